"""Bad input gets a clear 4xx in the error shape, never a 500, and writes nothing (backend/guards.py and the views)."""

import json
from datetime import date

import pytest
from loop_helpers import declaration, person
from sqlalchemy import func, select

from backend.extensions import db
from backend.fire.models import Campaign, FireNotice
from backend.houses.models import House
from backend.tenancy.models import Person, Tenancy

A = "330326100"  # township A of the test world


def _error(resp, status):
    """The error body of resp, whose status is `status` (or one of a tuple)."""
    expected = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in expected, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def sessions(world, login_as):
    """One client per kind of caller: anonymous and each role (staff scoped to township A)."""
    out = {"anonymous": None}
    for role in ("tenant", "landlord", "grid_worker", "fire_officer", "police", "supervisor", "admin"):
        out[role] = login_as(role, None if role in ("tenant", "landlord", "admin") else A)
    return out


def _client(app, auth):
    return auth.client if auth else app.test_client()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/addresses/A1-1%00",
        "/api/v1/addresses?q=%E8%A7%A3%00",
        "/api/v1/regions?parent=33%00",
        "/api/v1/regions/33%00",
        "/api/v1/cockpit/summary?region=330326100%00",
        "/api/v1/notices?x%00=1",
        "/d/AB%00CD",
    ],
)
def test_nul_in_a_path_or_query_is_a_400_for_every_caller(app, sessions, url):
    for auth in sessions.values():
        assert _error(_client(app, auth).get(url), 400)["code"] == "bad_request", url


@pytest.mark.parametrize("big", [2**31, 2**63, 10**30])
def test_ids_past_the_database_integer_match_no_route(app, sessions, big):
    officer, landlord, admin = sessions["fire_officer"], sessions["landlord"], sessions["admin"]
    _error(officer.client.get(f"/api/v1/notices/{big}"), 404)
    _error(officer.post(f"/api/v1/houses/{big}/notices", json={"kind": "reminder", "title": "x"}), 404)
    _error(landlord.post(f"/api/v1/tenancies/{big}/confirm"), 404)
    _error(admin.post(f"/api/v1/users/{big}/sessions/revoke"), 404)
    _error(officer.client.get(f"/api/v1/notices?house={big}"), 400)
    _error(sessions["supervisor"].client.get(f"/api/v1/cockpit/visits?worker={big}"), 400)


@pytest.mark.parametrize(
    "query", ["from=0001-01-01", "to=0001-01-01", "to=9999-12-31", "from=9999-12-30&to=9999-12-31", "from=0001-01-02"]
)
@pytest.mark.parametrize("path", ["summary", "trends"])
def test_cockpit_dates_far_out_of_range_are_a_400(app, sessions, path, query):
    resp = sessions["supervisor"].client.get(f"/api/v1/cockpit/{path}?region={A}&{query}")
    assert set(_error(resp, 400)["fields"]) & {"from", "to"}


def _deep(depth=100_000) -> str:
    return "[" * depth + "]" * depth


def test_a_deeply_nested_body_is_a_400_even_anonymously(app, sessions):
    resp = app.test_client().post("/api/v1/auth/login", data=_deep(), content_type="application/json")
    assert _error(resp, 400)["code"] == "validation_failed"
    nested = '{"username": "a", "password": ' + _deep(2000) + "}"
    _error(app.test_client().post("/api/v1/auth/login", data=nested, content_type="application/json"), 400)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("landlord", "/api/v1/houses"),
        ("police", "/api/v1/people/1/reveal"),
        ("fire_officer", "/api/v1/campaigns"),
        ("grid_worker", "/api/v1/tasks/1/verify"),
        ("landlord", "/api/v1/push/subscriptions"),
        ("supervisor", "/api/v1/doorplates/print"),
    ],
)
def test_a_deeply_nested_body_is_a_400_on_writes(app, sessions, role, url):
    auth = sessions[role]
    for depth in (100_000, 200):  # the id in the path may name nothing: a 404 is fine, a 500 is not
        resp = auth.client.post(
            url, data=_deep(depth), content_type="application/json", headers={"X-CSRF-Token": auth.csrf}
        )
        _error(resp, (400, 404))


def test_a_nul_inside_a_json_body_is_a_400_and_writes_nothing(app, sessions):
    resp = sessions["landlord"].post("/api/v1/houses", json={**declaration(), "unit_label": "3\x00"})
    _error(resp, 400)
    assert _count(app, House) == 0


def test_a_json_body_past_the_limit_is_a_413_in_the_error_shape(app, sessions):
    big = {**declaration(), "unit_label": "x" * (app.config["JSON_MAX_BYTES"] + 1)}
    error = _error(sessions["landlord"].post("/api/v1/houses", json=big), 413)
    assert error["code"] == "payload_too_large" and str(app.config["JSON_MAX_BYTES"] // 1024) in error["message"]
    resp = app.test_client().post("/api/v1/auth/login", data=json.dumps(big), content_type="application/json")
    _error(resp, 413)
    assert _count(app, House) == 0


@pytest.fixture
def plate(houses):
    return houses.plate(houses.add("A1-1", max_occupants=2))[0]


BAD_VALUES = [1, 1.5, True, [], ["张三"], {}, {"a": 1}, "x" * 101, "张" * 10_000]


@pytest.mark.parametrize("field", ["name", "id_number", "phone"])
@pytest.mark.parametrize("value", BAD_VALUES, ids=lambda v: type(v).__name__ + str(len(str(v))))
def test_check_in_with_a_non_string_or_huge_person_field_is_a_400(app, plate, login_as, field, value):
    tenant = login_as("tenant")
    body = {**person(0), "move_in": date.today().isoformat(), field: value}
    resp = tenant.post(f"/api/v1/doorplates/{plate}/check-in", json=body)
    assert field in _error(resp, 400)["fields"]
    assert _count(app, Tenancy) == 0 and _count(app, Person) == 0


@pytest.mark.parametrize("title", [1, ["a"], {"a": 1}, "x" * 201, "火" * 5000])
def test_campaign_titles_that_are_not_short_texts_are_a_400(app, houses, login_as, title):
    houses.add("A1-1")
    officer = login_as("fire_officer", A)
    resp = officer.post("/api/v1/campaigns", json={"region": A, "kind": "reminder", "title": title})
    assert "title" in _error(resp, 400)["fields"]
    assert _count(app, Campaign) == 0 and _count(app, FireNotice) == 0


def test_huge_ids_in_a_body_or_non_finite_numbers_in_a_query_are_a_400(app, sessions):
    landlord, worker = sessions["landlord"], sessions["grid_worker"]
    resp = landlord.post("/api/v1/houses", json={**declaration(), "photos": [2**64]})
    assert "photos" in _error(resp, 400)["fields"]
    for value in ("nan", "inf", "-inf"):
        _error(worker.client.get(f"/api/v1/tasks?lon={value}&lat=27.6"), 400)
        _error(worker.client.get(f"/api/v1/grids/at?lon=120.5&lat={value}"), 400)
    assert _count(app, House) == 0


def test_reinspection_results_and_evidence_of_any_shape_are_a_400(app, houses, login_as):
    landlord = login_as("landlord")
    deadline = date.today()
    house = houses.add(
        "A1-1",
        landlord="landlord-all",
        notices=[("rectification", "整改", deadline, "submitted"), ("rectification", "整改", deadline, "read")],
    )
    officer = login_as("fire_officer", A)
    submitted, read = (n["id"] for n in officer.client.get(f"/api/v1/notices?house={house}").get_json()["notices"])
    for results in ({"²": "passed"}, {"abc": "failed"}, {"1": "passed", "x": "failed"}):
        resp = officer.post(f"/api/v1/notices/{submitted}/reinspect", json={"results": results})
        assert "results" in _error(resp, 400)["fields"], results
    for items in ([{"item_id": [1]}], ["x"], [{"item_id": {"a": 1}}, "y"]):
        resp = landlord.post(f"/api/v1/notices/{read}/evidence", json={"items": items})
        assert "items" in _error(resp, 400)["fields"], items
    with app.app_context():
        assert db.session.scalar(select(FireNotice.status).where(FireNotice.id == submitted)) == "submitted"


def test_odd_query_values_on_plates_and_timelines_are_a_400_or_ignored(app, houses, sessions):
    house = houses.add("A1-2")
    token = houses.plate(house)[0]
    worker, landlord = sessions["grid_worker"], sessions["landlord"]
    _error(worker.client.get(f"/api/v1/doorplates/{token}/image?dpi=%C2%B2"), 400)  # "²"
    for before in ("0001-01-01T00:00:00%2B01:00", "9999-12-31T23:59:59-01:00"):
        _error(worker.client.get(f"/api/v1/houses/{house}/timeline?before={before}"), 400)
    _error(landlord.client.get("/api/v1/houses?near=nan,nan"), 400)
    for lon in ("nan", "inf", "1e400"):
        resp = worker.client.get(f"/api/v1/doorplates/{token}?lon={lon}&lat=27.6")
        assert resp.status_code == 200, resp.get_data(as_text=True)[:200]
