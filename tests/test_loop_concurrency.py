"""Races the database must win: the last free places, and the same write sent five times at once.

Meaningful on PostGIS (TEST_DATABASE_URL), where requests really run in parallel; on SQLite the single writer
serialises them and the same assertions hold.
"""

from datetime import date

from loop_helpers import at_once, declaration, person
from sqlalchemy import func, select

from backend.extensions import db
from backend.houses.models import House
from backend.idempotency import IdempotencyKey
from backend.tenancy.models import Tenancy


def test_fifty_tenants_race_for_three_places_and_exactly_three_get_in(app, houses, login_as):
    capacity = 3
    token = houses.plate(houses.add("A1-1", max_occupants=capacity))[0]
    tenants = [login_as("tenant", username=f"tenant-{i:02d}") for i in range(50)]
    today = date.today().isoformat()
    results = at_once(
        50, lambda i: tenants[i].post(f"/api/v1/doorplates/{token}/check-in", json={**person(i), "move_in": today})
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(201) == capacity
    assert {r.get_json()["error"]["code"] for r in results if r.status_code != 201} == {"house_full"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tenancy)) == capacity
        assert db.session.scalar(select(House.occupants)) == capacity


def test_the_same_write_five_times_at_once_makes_one_row(app, world, login_as):
    landlord = login_as("landlord")
    headers = {"X-CSRF-Token": landlord.csrf, "Idempotency-Key": "phone-7f3a-0001"}
    results = at_once(5, lambda _: landlord.client.post("/api/v1/houses", json=declaration(), headers=headers))
    assert [r.status_code for r in results] == [201] * 5, [r.get_json() for r in results]
    assert len({r.get_json()["id"] for r in results}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in results) == 4
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(House)) == 1
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_a_replay_returns_the_first_result_and_another_payload_is_a_conflict(app, world, login_as):
    landlord = login_as("landlord")
    first = landlord.post("/api/v1/houses", json={**declaration(), "client_id": "offline-0000-0001"})
    again = landlord.post("/api/v1/houses", json={**declaration(), "client_id": "offline-0000-0001"})
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    other = landlord.post("/api/v1/houses", json={**declaration("A1-2"), "client_id": "offline-0000-0001"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    bad = landlord.post("/api/v1/houses", json={**declaration("A1-3"), "client_id": "x"})
    assert bad.status_code == 400 and "client_id" in bad.get_json()["error"]["fields"]
    # A failed write keeps no key: the client may fix it and send it again under the same id.
    failed = landlord.post("/api/v1/houses", json={**declaration("A1-4"), "rooms": 0, "client_id": "offline-0000-0002"})
    assert failed.status_code == 400
    fixed = landlord.post("/api/v1/houses", json={**declaration("A1-4"), "client_id": "offline-0000-0002"})
    assert fixed.status_code == 201


def test_five_retries_of_a_key_its_dead_worker_left_in_progress_act_once(app, world, login_as, monkeypatch):
    """A worker killed after its view committed leaves the key "in progress"; past the lease the retries take it over
    one at a time (compare-and-set on the lease) and meet the state the first run left: still one house."""
    from sqlalchemy import text

    from backend import idempotency
    from backend.types import utcnow

    landlord = login_as("landlord")
    headers = {"X-CSRF-Token": landlord.csrf, "Idempotency-Key": "phone-dead-0001"}
    assert landlord.client.post("/api/v1/houses", json=declaration(), headers=headers).status_code == 201
    with app.app_context():
        db.session.execute(
            text("UPDATE idempotency_keys SET status_code = NULL, response = NULL, lease_until = :t"),
            {"t": utcnow().replace(year=2000)},
        )
        db.session.commit()
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.02)
    results = at_once(5, lambda _: landlord.client.post("/api/v1/houses", json=declaration(), headers=headers))
    assert {r.status_code for r in results} == {409}, [r.get_json() for r in results]
    assert {r.get_json()["error"]["code"] for r in results} == {"house_duplicate"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(House)) == 1
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
