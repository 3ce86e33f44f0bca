"""The whole rental loop through the API, on both databases: declare → verify → check in → confirm → supervise →
check out → an overdue obligation turns the house yellow → fulfilled by scanning the door turns it green."""

import io
from datetime import date, timedelta

from loop_helpers import answers, declaration, jpeg, person
from sqlalchemy import select, update

from backend.audit import AuditEvent
from backend.extensions import db
from backend.obligations.models import Obligation
from backend.obligations.operations import sweep


def test_the_whole_loop(app, world, login_as):
    landlord = login_as("landlord", username="landlord-wang")
    worker = login_as("grid_worker", "330326100001001")
    tenant = login_as("tenant", username="tenant-zhang")
    supervisor = login_as("supervisor", "330326100")

    # 申报领码: a photo, then the declaration; a pending plate and a task for the grid follow.
    photo = landlord.client.post(
        "/api/v1/photos",
        data={"photo": (io.BytesIO(jpeg()), "door.jpg")},
        headers={"X-CSRF-Token": landlord.csrf},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.get_json()
    resp = landlord.post("/api/v1/houses", json=declaration(photos=[photo.get_json()["id"]]))
    assert resp.status_code == 201, resp.get_json()
    house = resp.get_json()
    assert (house["status"], house["colour"], house["doorplate"]["state"]) == ("declared", "grey", "pending")
    again = landlord.post("/api/v1/houses", json=declaration())
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "house_duplicate"

    # 核验赋码: the worker's list, nearest first; the visit at the door activates house and plate.
    tasks = worker.client.get("/api/v1/tasks?lon=120.5051&lat=27.6101").get_json()["tasks"]
    assert [t["house_id"] for t in tasks] == [house["id"]] and tasks[0]["distance_m"] < 20
    visit = worker.post(
        f"/api/v1/tasks/{tasks[0]['id']}/verify",
        json={
            "lat": 27.6101,
            "lon": 120.5051,
            "accuracy": 12,
            "outcome": "approved",
            "checklist": answers("verification"),
        },
    )
    assert visit.status_code == 201 and visit.get_json()["flagged"] is False
    card = landlord.client.get(f"/api/v1/houses/{house['id']}").get_json()
    assert (card["status"], card["colour"], card["doorplate"]["state"]) == ("active", "green", "active")
    token = landlord.client.get(f"/api/v1/doorplates/by-code/{card['doorplate']['short_code']}").get_json()["token"]

    # 承租入住扫码: the tenant checks in from the plate; the landlord confirms.
    me = person(1)
    resp = tenant.post(
        f"/api/v1/doorplates/{token}/check-in", json={**me, "room": "北间", "move_in": date.today().isoformat()}
    )
    assert resp.status_code == 201, resp.get_json()
    tenancy = resp.get_json()
    assert (
        tenancy["status"] == "pending"
        and tenancy["person"]["id_number"] == me["id_number"][:6] + "*" * 8 + me["id_number"][-4:]
    )
    pending = landlord.client.get("/api/v1/tenancies?status=pending").get_json()["tenancies"]
    assert [t["id"] for t in pending] == [tenancy["id"]]
    assert landlord.post(f"/api/v1/tenancies/{tenancy['id']}/confirm").get_json()["status"] == "active"

    # 部门监管用码: the supervisor sees the occupant masked, and the read is audited.
    card = supervisor.client.get(f"/api/v1/houses/{house['id']}").get_json()
    (occupant,) = card["occupants"]
    assert occupant["name"] == "李*" and occupant["phone"] == me["phone"][:3] + "****" + me["phone"][-4:]
    assert me["id_number"] not in str(card) and me["phone"] not in str(card)
    kinds = [e["kind"] for e in supervisor.client.get(f"/api/v1/houses/{house['id']}/timeline").get_json()["events"]]
    assert {"declared", "verified", "check_in", "confirmed"} <= set(kinds)
    with app.app_context():
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.read")).all()
        assert any(e.actor_role == "supervisor" for e in reads)

    # Check-out frees the place.
    assert tenant.post(f"/api/v1/tenancies/{tenancy['id']}/check-out").get_json()["status"] == "ended"
    assert supervisor.client.get(f"/api/v1/houses/{house['id']}").get_json()["occupants_count"] == 0

    # 刷码履约: the monthly confirmation falls overdue (yellow, no sweep needed); done by scanning the door (green).
    with app.app_context():
        db.session.execute(
            update(Obligation)
            .where(Obligation.house_id == house["id"])
            .values(due_date=date.today() - timedelta(days=1))
        )
        db.session.commit()
    assert landlord.client.get(f"/api/v1/houses/{house['id']}").get_json()["colour"] == "yellow"
    with app.app_context():
        assert sweep() >= 1
        assert sweep() == 0  # idempotent
        db.session.commit()
    (due,) = [
        o for o in landlord.client.get("/api/v1/obligations").get_json()["obligations"] if o["state"] == "overdue"
    ]
    done = landlord.post(f"/api/v1/obligations/{due['id']}/fulfil", json={"token": token})
    assert done.status_code == 200 and done.get_json()["via"] == "scan" and done.get_json()["next"]["state"] == "open"
    assert landlord.client.get(f"/api/v1/houses/{house['id']}").get_json()["colour"] == "green"
    assert landlord.client.get(f"/d/{token}").status_code == 200


def test_the_same_person_in_two_houses_at_once_is_flagged(app, houses, login_as):
    first_id, second_id = houses.add("A1-1", max_occupants=3), houses.add("A1-2", max_occupants=3)
    first, second = houses.plate(first_id)[0], houses.plate(second_id)[0]
    me = {**person(3), "move_in": date.today().isoformat()}
    tenant = login_as("tenant")
    one = tenant.post(f"/api/v1/doorplates/{first}/check-in", json=me).get_json()
    two = tenant.post(f"/api/v1/doorplates/{second}/check-in", json=me).get_json()
    # The tenant's answers say nothing about other houses (issue 14, item 1); staff see the flag on the card.
    assert "duplicate_elsewhere" not in one and "duplicate_elsewhere" not in two
    supervisor = login_as("supervisor", "330326100")
    assert (
        supervisor.client.get(f"/api/v1/houses/{first_id}").get_json()["occupants"][0]["duplicate_elsewhere"] is False
    )
    assert (
        supervisor.client.get(f"/api/v1/houses/{second_id}").get_json()["occupants"][0]["duplicate_elsewhere"] is True
    )
    again = tenant.post(f"/api/v1/doorplates/{first}/check-in", json=me)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_checked_in"


def test_a_closed_house_refuses_check_in_with_a_clear_message(houses, login_as):
    token = houses.plate(houses.add("A1-1", status="closed"))[0]
    resp = login_as("tenant").post(
        f"/api/v1/doorplates/{token}/check-in", json={**person(0), "move_in": date.today().isoformat()}
    )
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "house_closed"
    assert "禁止" in resp.get_json()["error"]["message"]


def test_the_sweep_command_is_idempotent(app, houses, runner):
    houses.add("A1-1")
    with app.app_context():
        db.session.execute(update(Obligation).values(due_date=date.today() - timedelta(days=1)))
        db.session.commit()
    first = runner.invoke(args=["obligations", "sweep"], env={"MENPAI_LANG": "en"})
    second = runner.invoke(args=["obligations", "sweep"], env={"MENPAI_LANG": "en"})
    assert first.exit_code == 0 and "1 obligations" in first.output
    assert "0 obligations" in second.output
