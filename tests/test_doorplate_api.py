"""/api/v1/doorplates: the scan twin with role-dependent detail, short codes, images, revoking, printing."""

import io
import subprocess

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from backend.audit import AuditEvent
from backend.doorplates.models import Doorplate
from backend.extensions import db
from backend.i18n import t


@pytest.fixture
def landlord(make_user):
    return make_user("landlord", username="landlord-li")


def test_anonymous_scan_gets_the_public_card_only(client, houses):
    token, short_code, _ = houses.plate(houses.add("A1-1", max_occupants=3))
    body = client.get(f"/api/v1/doorplates/{token}").get_json()
    assert body["result"] == "ok" and body["token"] == token
    assert body["card"]["short_code"] == short_code and body["card"]["colour"] == "green"
    assert body["card"]["max_occupants"] == 3
    assert "house" not in body and "doorplate" not in body


@pytest.mark.parametrize(
    ("role", "region", "detail"),
    [
        ("grid_worker", "330326100001001", True),
        ("grid_worker", "330326100001002", False),  # the neighbouring grid
        ("police", "330326", True),
        ("fire_officer", "330326101", False),  # another township
        ("tenant", None, False),
    ],
)
def test_staff_in_scope_see_the_record(client, houses, auth, make_user, role, region, detail):
    token, _, _ = houses.plate(houses.add("A1-1"))
    auth.login(make_user(role, region))
    body = client.get(f"/api/v1/doorplates/{token}").get_json()
    assert ("doorplate" in body) is detail
    if detail:
        assert body["doorplate"]["state"] == "active" and body["doorplate"]["version"] == 1
        assert body["doorplate"]["scans_today"] == 1 and body["house"]["address_code"] == "A1-1"


def test_the_landlord_sees_the_record_of_their_own_house_only(client, houses, auth, landlord):
    mine = houses.plate(houses.add("A1-1", landlord=landlord))[0]
    other = houses.plate(houses.add("A1-2"))[0]
    auth.login(landlord)
    assert "doorplate" in client.get(f"/api/v1/doorplates/{mine}").get_json()
    assert "doorplate" not in client.get(f"/api/v1/doorplates/{other}").get_json()


def test_tampered_and_replaced_tokens_are_errors_in_the_envelope(client, houses):
    house = houses.add("A1-1")
    token, short_code, _ = houses.plate(house)
    resp = client.get(f"/api/v1/doorplates/{token[:-2]}ZZ")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "doorplate_invalid"
    houses.revoke(house, "damaged")
    resp = client.get(f"/api/v1/doorplates/{token}")
    assert resp.status_code == 410 and resp.get_json()["error"]["code"] == "doorplate_replaced"
    resp = client.get(f"/api/v1/doorplates/by-code/{short_code}")
    assert resp.status_code == 410


def test_short_code_lookup(client, houses):
    token, short_code, _ = houses.plate(houses.add("A1-1"))
    body = client.get(f"/api/v1/doorplates/by-code/{short_code.replace('-', '').lower()}").get_json()
    assert body["token"] == token
    resp = client.get("/api/v1/doorplates/by-code/ABC")
    assert resp.status_code == 400 and resp.get_json()["error"]["fields"]["code"]


@pytest.mark.parametrize("size", [40, 75, 120])
def test_plate_image_for_staff_decodes_to_the_plate_url(client, houses, auth, make_user, size):
    token, _, url = houses.plate(houses.add("A1-1"))
    assert client.get(f"/api/v1/doorplates/{token}/image").status_code == 401
    auth.login(make_user("supervisor", "330326100"))
    resp = client.get(f"/api/v1/doorplates/{token}/image?size={size}")
    assert resp.mimetype == "image/png"
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(resp.data)))] == [url]
    svg = client.get(f"/api/v1/doorplates/{token}/image?format=svg&size={size}")
    assert svg.mimetype == "image/svg+xml" and b"<path" in svg.data
    bad = client.get(f"/api/v1/doorplates/{token}/image?format=gif&size=50")
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"format", "size"}


def test_plate_image_outside_scope_is_not_found(client, houses, auth, make_user):
    token, _, _ = houses.plate(houses.add("A1-1"))
    auth.login(make_user("supervisor", "330326101"))
    assert client.get(f"/api/v1/doorplates/{token}/image").status_code == 404


def test_revoke_lost_issues_a_new_version_and_a_replay_is_a_conflict(client, houses, auth, make_user, app):
    house = houses.add("A1-1")
    token, short_code, _ = houses.plate(house)
    auth.login(make_user("grid_worker", "330326100001001"))
    resp = auth.post(f"/api/v1/doorplates/{token}/revoke", json={"reason": "lost", "note": "贴纸被撕"})
    body = resp.get_json()
    assert resp.status_code == 200 and body["doorplate"]["version"] == 2 and body["token"] != token
    assert body["card"]["short_code"] != short_code and body["doorplate"]["revocations"][0]["reason"] == "lost"
    replay = auth.post(f"/api/v1/doorplates/{token}/revoke", json={"reason": "lost"})
    assert replay.status_code == 409 and replay.get_json()["error"]["code"] == "doorplate_replaced"
    assert client.get(f"/api/v1/doorplates/{body['token']}").status_code == 200
    bad = auth.post(f"/api/v1/doorplates/{body['token']}/revoke", json={"reason": "stolen?"})
    assert bad.status_code == 400 and "reason" in bad.get_json()["error"]["fields"]
    with app.app_context():
        events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("doorplate.%"))).all()
    assert events.count("doorplate.revoke") == 1


def test_revoke_moved_ends_the_plate_for_good(client, houses, auth, make_user):
    house = houses.add("A1-1")
    token, _, _ = houses.plate(house)
    auth.login(make_user("supervisor", "330326100"))
    body = auth.post(f"/api/v1/doorplates/{token}/revoke", json={"reason": "moved"}).get_json()
    assert body["doorplate"]["state"] == "revoked" and body["card"]["doorplate_state"] == "revoked"
    assert not body["card"]["accepts_check_in"]
    assert client.get(f"/d/{token}").status_code == 410


def test_grid_worker_downloads_the_pdf_of_their_grid(client, houses, auth, make_user, app, tmp_path):
    ids = [houses.add(code) for code in ("A1-1", "A1-2", "A1-3", "A1-4")]  # A1-3, A1-4 lie in grid 002
    auth.login(make_user("grid_worker", "330326100001001"))
    resp = auth.post("/api/v1/doorplates/print", json={"region": "330326100001001", "size": 40})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pdf = tmp_path / "grid.pdf"
    pdf.write_bytes(resp.data)
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True)
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "page-1.png"))
    assert sorted(r.text for r in found) == sorted(houses.plate(i)[2] for i in ids[:2])
    with app.app_context():
        printed = dict(db.session.execute(select(Doorplate.house_id, Doorplate.print_count)).all())
    assert printed == {ids[0]: 1, ids[1]: 1, ids[2]: 0, ids[3]: 0}
    outside = auth.post("/api/v1/doorplates/print", json={"houses": [ids[2]], "size": 40})
    assert outside.status_code == 404
    assert auth.post("/api/v1/doorplates/print", json={"region": "330326100001001", "size": 50}).status_code == 400
    assert auth.post("/api/v1/doorplates/print", json={"size": 40}).status_code == 400


@pytest.mark.parametrize(
    ("body", "field", "key"),
    [
        ({"region": "330326100001001", "houses": [1]}, "region", "error.doorplate_print_target"),
        ({"size": 40}, "region", "error.doorplate_print_target"),
        ({"houses": []}, "houses", "error.doorplate_print_houses"),
        ({"houses": [1, "2"]}, "houses", "error.doorplate_print_houses"),
        ({"houses": [2**31]}, "houses", "error.doorplate_print_houses"),
        ({"region": 330326100001001}, "region", "error.unknown_region"),
        ({"region": "330326100001001", "size": "75"}, "size", "error.doorplate_size"),
    ],
)
def test_a_print_asks_for_exactly_one_of_region_or_houses_and_names_the_bad_field(
    app, houses, auth, make_user, body, field, key
):
    houses.add("A1-1")
    auth.login(make_user("grid_worker", "330326100001001"))
    resp = auth.post("/api/v1/doorplates/print", json=body)
    with app.test_request_context():
        assert resp.status_code == 400 and resp.get_json()["error"]["fields"] == {field: t(key)}
    with app.app_context():
        assert db.session.scalar(select(Doorplate.print_count)) == 0


def test_landlord_and_tenant_may_not_print(client, houses, auth, landlord):
    houses.add("A1-1")
    auth.login(landlord)
    assert auth.post("/api/v1/doorplates/print", json={"region": "330326100", "size": 40}).status_code == 403
