"""Issue #14 items 3–5: idempotency keys hold no personal data and replays of a reveal are audited; a key whose
worker died is taken over after its lease; audit rows fit what they record (one per person); a bulk reveal
records every person revealed, with the region. Both databases."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from backend import idempotency
from backend.audit import AuditEvent
from backend.extensions import db
from backend.idempotency import IdempotencyKey
from backend.people.vault import seal
from backend.tenancy.models import Person, Tenancy
from backend.types import utcnow

A = "330326100"


def _people(world, house_id, n, start=0):
    """n active tenants in house_id (ID numbers valid, phones distinct); their clear fields."""
    from stdnum.cn import ric

    out = []
    with world.test_request_context():
        for i in range(start, start + n):
            base = f"33032619900101{i:03d}"
            id_number = base + ric.calc_check_digit(base)
            name, phone = f"测试{i:03d}号", f"1381234{i:04d}"
            person = Person()
            seal(person, name, id_number, phone)
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Tenancy(house_id=house_id, person_id=person.id, move_in=date(2025, 3, 1), status="active", room="1")
            )
            out.append((person.id, name, id_number, phone))
        db.session.commit()
    return out


@pytest.fixture
def crowded(world, houses, make_user):
    """A landlord with 61 tenants: 8 in one house, 53 in another (both in township A)."""
    make_user("landlord", username="landlord-many")
    small = houses.add("A1-1", landlord="landlord-many", max_occupants=8)
    big = houses.add("A1-3", landlord="landlord-many", max_occupants=60)
    return small, big, _people(world, small, 8) + _people(world, big, 53, start=8)


def _events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_a_landlords_61_tenants_and_a_house_of_8_are_read_with_one_audit_row_per_person(app, crowded, auth, login_as):
    small, _, people = crowded
    assert auth.login("landlord-many").status_code == 200
    resp = auth.client.get("/api/v1/tenancies")
    assert resp.status_code == 200, resp.get_data()[:300]
    assert len(resp.get_json()["tenancies"]) == 61
    reads = _events(app, "person.read")
    assert sorted(e.person_id for e in reads) == sorted(p[0] for p in people)
    assert all(e.target_id == str(e.person_id) for e in reads)

    supervisor = login_as("supervisor", A)
    card = supervisor.client.get(f"/api/v1/houses/{small}")
    assert card.status_code == 200 and len(card.get_json()["occupants"]) == 8
    card_reads = [e for e in _events(app, "person.read") if e.actor_role == "supervisor"]
    assert len(card_reads) == 8 and {e.house_id for e in card_reads} == {small}
    assert all(e.region_code.startswith(A) for e in card_reads)


def test_an_audit_value_that_does_not_fit_fails_the_request_not_a_later_batch(app):
    from backend import audit

    with app.test_request_context(), pytest.raises(ValueError, match="target_id"):
        audit.values("person.read", target_type="people", target_id="1," * 40)


def test_a_bulk_reveal_records_every_person_revealed_with_the_region(app, crowded, login_as):
    small, big, people = crowded
    police = login_as("police", A)
    resp = police.client.get("/api/v1/cockpit/tenants?format=csv&reveal=1&reason=案件协查 2026-9")
    assert resp.status_code == 200
    assert resp.get_data().decode("utf-8-sig").count("\n") == 62  # header + 61
    reveals = _events(app, "person.reveal")
    assert sorted(e.person_id for e in reveals) == sorted(p[0] for p in people)
    assert {e.house_id for e in reveals} == {small, big}
    assert all(e.region_code and e.region_code.startswith(A) for e in reveals)
    assert all(e.details["reason"] == "案件协查 2026-9" and e.actor_role == "police" for e in reveals)


def _reveal_setup(crowded, login_as):
    _, _, people = crowded
    police = login_as("police", A)
    person_id = people[0][0]
    return police, f"/api/v1/people/{person_id}/reveal", people[0]


def test_a_replayed_reveal_is_audited_again_and_its_answer_is_never_stored(app, crowded, login_as):
    police, url, (person_id, name, id_number, phone) = _reveal_setup(crowded, login_as)
    headers = {"X-CSRF-Token": police.csrf, "Idempotency-Key": "reveal-0001"}
    answers = [police.client.post(url, json={"reason": "案件协查 2026-1"}, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert all(a.get_json()["id_number"] == id_number for a in answers)
    reveals = _events(app, "person.reveal")
    assert len(reveals) == 3 and {e.person_id for e in reveals} == {person_id}
    assert all(e.region_code.startswith(A) and e.house_id for e in reveals)
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM idempotency_keys")).all()
    stored = json.dumps([[str(v) for v in r] for r in rows], ensure_ascii=False)
    assert len(rows) == 1 and not any(v in stored for v in (name, id_number, phone, id_number[-4:] + '"'))
    # The same key with another body is still refused.
    other = police.client.post(url, json={"reason": "另一个理由"}, headers=headers)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_no_idempotent_route_but_the_declared_ones_answers_a_person_in_clear():
    from backend.api.routing import DOCS

    clear = {ep for ep, d in DOCS.items() if d["idempotent"] and d["response"] == "Person"}
    assert clear and all(DOCS[ep]["personal"] for ep in clear)


def _die_after_commit(app, key, lease_until):
    """The state a worker killed (kill -9) between its view's commit and storing the answer leaves."""
    with app.app_context():
        db.session.execute(
            text("UPDATE idempotency_keys SET status_code = NULL, response = NULL, lease_until = :t WHERE key = :k"),
            {"t": lease_until, "k": key},
        )
        db.session.commit()


def test_an_in_progress_key_past_its_lease_is_taken_over(app, crowded, login_as, monkeypatch):
    police, url, _ = _reveal_setup(crowded, login_as)
    headers = {"X-CSRF-Token": police.csrf, "Idempotency-Key": "reveal-dead-1"}
    assert police.client.post(url, json={"reason": "案件协查 2026-2"}, headers=headers).status_code == 200
    _die_after_commit(app, "reveal-dead-1", utcnow() - timedelta(seconds=1))
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.01)
    retry = police.client.post(url, json={"reason": "案件协查 2026-2"}, headers=headers)
    assert retry.status_code == 200
    with app.app_context():
        row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "reveal-dead-1"))
        assert row.status_code == 200 and row.response is None and row.lease_until > utcnow()
    assert len(_events(app, "person.reveal")) == 2


def test_an_in_progress_key_inside_its_lease_still_answers_409(app, crowded, login_as, monkeypatch):
    police, url, _ = _reveal_setup(crowded, login_as)
    headers = {"X-CSRF-Token": police.csrf, "Idempotency-Key": "reveal-live-1"}
    assert police.client.post(url, json={"reason": "案件协查 2026-3"}, headers=headers).status_code == 200
    _die_after_commit(app, "reveal-live-1", utcnow() + timedelta(seconds=60))
    monkeypatch.setattr(idempotency, "WAIT_STEPS", 3)
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.01)
    retry = police.client.post(url, json={"reason": "案件协查 2026-3"}, headers=headers)
    assert retry.status_code == 409 and retry.get_json()["error"]["code"] == "idempotency_in_progress"
    assert len(_events(app, "person.reveal")) == 1


def test_a_write_replay_stores_no_clear_personal_data(app, houses, login_as):
    from loop_helpers import person

    house = houses.add("A1-1")
    token, _, _ = houses.plate(house)
    tenant = login_as("tenant", username="tenant-idem")
    me = {**person(0), "move_in": "2026-12-01"}
    headers = {"X-CSRF-Token": tenant.csrf, "Idempotency-Key": "checkin-0001"}
    first = tenant.client.post(f"/api/v1/doorplates/{token}/check-in", json=me, headers=headers)
    again = tenant.client.post(f"/api/v1/doorplates/{token}/check-in", json=me, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        stored = json.dumps(db.session.scalars(select(IdempotencyKey.response)).all(), ensure_ascii=False)
        count = db.session.scalar(select(func.count()).select_from(IdempotencyKey))
    assert count == 1 and me["id_number"] not in stored and me["phone"] not in stored and me["name"] not in stored
    (replay,) = _events(app, "request.replay")
    assert replay.actor_role == "tenant" and replay.details == {"endpoint": "api.tenancy_check_in", "status": 201}
