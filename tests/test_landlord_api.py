"""What the landlord's screens need from the API: a refusal's reason kept in the audit log, the plate's short code
in my house list."""

from loop_helpers import person
from sqlalchemy import func, select

from backend.audit import AuditEvent
from backend.extensions import db


def pending_tenancy(houses, login_as, landlord):
    house = houses.add("A1-1", landlord=landlord)
    token, _, _ = houses.plate(house)
    tenant = login_as("tenant", username="tenant-li")
    resp = tenant.post(f"/api/v1/doorplates/{token}/check-in", json={**person(0), "move_in": "2026-12-01"})
    assert resp.status_code == 201, resp.get_json()
    return house, resp.get_json()["id"]


def refusals(app):
    with app.app_context():
        return [e.details for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenancy.refuse"))]


def test_a_refusal_keeps_its_reason_in_the_audit_log(app, houses, login_as, make_user):
    landlord = login_as("landlord", username="landlord-wang")
    _, tenancy = pending_tenancy(houses, login_as, "landlord-wang")
    too_long = landlord.post(f"/api/v1/tenancies/{tenancy}/refuse", json={"reason": "x" * 301})
    assert too_long.status_code == 400 and set(too_long.get_json()["error"]["fields"]) == {"reason"}
    assert refusals(app) == []

    done = landlord.post(f"/api/v1/tenancies/{tenancy}/refuse", json={"reason": "  不认识此人 "})
    assert done.status_code == 200 and done.get_json()["status"] == "refused"
    assert [d.get("reason") for d in refusals(app)] == ["不认识此人"]


def test_a_refusal_without_a_body_still_works_and_records_no_reason(app, houses, login_as):
    landlord = login_as("landlord", username="landlord-wang")
    _, tenancy = pending_tenancy(houses, login_as, "landlord-wang")
    assert landlord.post(f"/api/v1/tenancies/{tenancy}/refuse").get_json()["status"] == "refused"
    assert ["reason" in d for d in refusals(app)] == [False]


def test_a_replayed_refusal_is_one_decision(app, houses, login_as):
    landlord = login_as("landlord", username="landlord-wang")
    _, tenancy = pending_tenancy(houses, login_as, "landlord-wang")
    headers = {"X-CSRF-Token": landlord.csrf, "Idempotency-Key": "refuse-0001"}
    url = f"/api/v1/tenancies/{tenancy}/refuse"
    first = landlord.client.post(url, json={"reason": "不认识"}, headers=headers)
    again = landlord.client.post(url, json={"reason": "不认识"}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("Idempotent-Replayed") == "true"
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "tenancy.refuse")) == 1


def test_my_house_list_carries_each_plates_short_code(houses, login_as):
    landlord = login_as("landlord", username="landlord-wang")
    mine = houses.add("A1-1", landlord="landlord-wang")
    houses.revoke(mine)  # a reprint: the list shows the current version's code
    _, code, _ = houses.plate(mine)
    houses.add("A1-2")
    listed = landlord.client.get("/api/v1/houses").get_json()["houses"]
    assert [(h["id"], h["short_code"]) for h in listed] == [(mine, code)]
