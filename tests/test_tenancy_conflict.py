"""A check-in never changes another person's record (issue 14, item 1): an ID number already held by someone else,
presented with another name or phone, is a conflict for the landlord and staff, and the caller learns nothing."""

from datetime import date

from loop_helpers import person
from sqlalchemy import func, select

from backend.audit import AuditEvent
from backend.extensions import db
from backend.people.vault import open_person
from backend.tenancy.models import Person, Tenancy

TODAY = date.today().isoformat()
REAL = {**person(1), "move_in": TODAY}
FAKE = {**REAL, "name": "冒名", "phone": "13900009999"}


def _stored(app):
    with app.app_context():
        (one,) = db.session.scalars(select(Person)).all()
        return open_person(one)


def _two_houses(houses, make_user):
    make_user("landlord", username="landlord-a")
    make_user("landlord", username="landlord-b")
    first = houses.add("A1-1", landlord="landlord-a")
    second = houses.add("A1-2", landlord="landlord-b")
    return (first, houses.plate(first)[0]), (second, houses.plate(second)[0])


def _login(app, username):
    from tests.conftest import Auth

    auth = Auth(app.test_client())
    assert auth.login(username).status_code == 200
    return auth


def test_someone_elses_id_number_changes_nothing_and_is_a_conflict(app, houses, make_user, login_as):
    (_, first), (second_id, second) = _two_houses(houses, make_user)
    real = login_as("tenant", username="tenant-real")
    assert real.post(f"/api/v1/doorplates/{first}/check-in", json=REAL).status_code == 201
    impostor = login_as("tenant", username="tenant-impostor")
    resp = impostor.post(f"/api/v1/doorplates/{second}/check-in", json=FAKE)
    assert resp.status_code == 201, resp.get_json()
    answer = resp.get_json()
    # Nothing about other houses, nothing of the real person: the caller sees what they typed, masked.
    assert answer["status"] == "pending" and "duplicate_elsewhere" not in answer and "conflict" not in answer
    assert answer["person"]["name"] == "冒*" and answer["person"]["phone"] == "139****9999"
    assert "张" not in str(answer) and "李" not in str(answer) and REAL["phone"][-4:] not in str(answer)
    mine = impostor.client.get("/api/v1/tenancies").get_json()["tenancies"]
    assert mine[0]["person"]["name"] == "冒*" and "duplicate_elsewhere" not in mine[0] and "conflict" not in mine[0]
    # The stored record is the real one still.
    assert _stored(app) == {"name": REAL["name"], "id_number": REAL["id_number"], "phone": REAL["phone"]}
    with app.app_context():
        conflicted = db.session.scalar(select(Tenancy).where(Tenancy.house_id == second_id))
        assert conflicted.conflict == "open"
        assert "冒名" not in conflicted.presented_name_enc and "13900009999" not in conflicted.presented_phone_enc

    # The landlord sees the conflict and what was typed at the door (masked), never the ID holder's stored record
    # nor that the holder lives elsewhere (another landlord's tenant); they cannot confirm, refusing is allowed.
    landlord = _login(app, "landlord-b")
    (listed,) = landlord.client.get("/api/v1/tenancies?status=pending").get_json()["tenancies"]
    assert listed["conflict"] == "open" and listed["person"]["name"] == "冒*"
    assert listed["person"]["phone"] == "139****9999" and listed["duplicate_elsewhere"] is False
    assert listed["presented"] == {"name": "冒*", "phone": "139****9999"}
    (occupant,) = landlord.client.get(f"/api/v1/houses/{second_id}").get_json()["occupants"]
    assert occupant["conflict"] == "open" and occupant["presented"]["name"] == "冒*"
    assert occupant["name"] == "冒*" and occupant["duplicate_elsewhere"] is False
    for answer in (listed, occupant):
        assert "李*" not in str(answer) and REAL["phone"][-4:] not in str(answer)
    confirm = landlord.post(f"/api/v1/tenancies/{listed['id']}/confirm")
    assert confirm.status_code == 409 and confirm.get_json()["error"]["code"] == "tenancy_conflict"

    # Police of the township see it on the house record; the cockpit counts it.
    police = login_as("police", "330326100")
    (occupant,) = police.client.get(f"/api/v1/houses/{second_id}").get_json()["occupants"]
    assert occupant["conflict"] == "open"
    revealed = police.post(f"/api/v1/people/{occupant['person_id']}/reveal", json={"reason": "核实入住身份冲突"})
    assert revealed.get_json()["name"] == REAL["name"]
    assert revealed.get_json()["presented"] == [{"tenancy_id": listed["id"], "name": "冒名", "phone": "13900009999"}]
    supervisor = login_as("supervisor", "330326100")
    alerts = supervisor.client.get("/api/v1/cockpit/alerts?kind=checkin_conflict").get_json()
    assert alerts["counts"]["checkin_conflict"] == 1
    assert [a["house"]["id"] for a in alerts["alerts"]] == [second_id]

    refused = landlord.post(f"/api/v1/tenancies/{listed['id']}/refuse", json={"reason": "不认识此人"})
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    assert _stored(app)["name"] == REAL["name"]


def test_the_same_details_from_another_account_are_no_conflict(app, houses, make_user, login_as):
    (_, first), (_, second) = _two_houses(houses, make_user)
    assert login_as("tenant", username="t1").post(f"/api/v1/doorplates/{first}/check-in", json=REAL).status_code == 201
    resp = login_as("tenant", username="t2").post(f"/api/v1/doorplates/{second}/check-in", json=REAL)
    assert resp.status_code == 201
    landlord = _login(app, "landlord-b")
    (listed,) = landlord.client.get("/api/v1/tenancies").get_json()["tenancies"]
    assert listed["conflict"] is None and listed["presented"] is None
    assert landlord.post(f"/api/v1/tenancies/{listed['id']}/confirm").status_code == 200


def test_the_holder_changes_their_own_record(app, houses, make_user, login_as):
    (_, first), (_, second) = _two_houses(houses, make_user)
    me = login_as("tenant", username="tenant-real")
    assert me.post(f"/api/v1/doorplates/{first}/check-in", json=REAL).status_code == 201
    moved = {**REAL, "phone": "13700001111"}
    resp = me.post(f"/api/v1/doorplates/{second}/check-in", json=moved)
    assert resp.status_code == 201 and "duplicate_elsewhere" not in resp.get_json()
    assert _stored(app)["phone"] == "13700001111"
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Tenancy.conflict.is_not(None))) == 0


def _conflict(app, houses, make_user, login_as):
    (_, first), (second_id, second) = _two_houses(houses, make_user)
    login_as("tenant", username="tenant-real").post(f"/api/v1/doorplates/{first}/check-in", json=REAL)
    tenancy = login_as("tenant", username="tenant-new").post(f"/api/v1/doorplates/{second}/check-in", json=FAKE)
    return second_id, tenancy.get_json()["id"]


def test_staff_in_scope_correct_the_record_then_the_landlord_confirms(app, houses, make_user, login_as):
    _, tenancy_id = _conflict(app, houses, make_user, login_as)
    outside = login_as("police", "330326101")
    fine = {"outcome": "correct", "reason": "核实身份证原件"}
    assert outside.post(f"/api/v1/tenancies/{tenancy_id}/resolve", json=fine).status_code == 404
    police = login_as("police", "330326100")
    short = police.post(f"/api/v1/tenancies/{tenancy_id}/resolve", json={"outcome": "correct", "reason": "查"})
    assert short.status_code == 400 and "reason" in short.get_json()["error"]["fields"]
    bad = police.post(f"/api/v1/tenancies/{tenancy_id}/resolve", json={"outcome": "x", "reason": "核实身份证原件"})
    assert bad.status_code == 400 and "outcome" in bad.get_json()["error"]["fields"]
    done = police.post(
        f"/api/v1/tenancies/{tenancy_id}/resolve", json={"outcome": "correct", "reason": "核实身份证原件"}
    )
    assert done.status_code == 200 and done.get_json()["conflict"] == "corrected"
    assert _stored(app) == {"name": "冒名", "id_number": REAL["id_number"], "phone": "13900009999"}
    again = police.post(f"/api/v1/tenancies/{tenancy_id}/resolve", json={"outcome": "keep", "reason": "核实身份证原件"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict_resolved"
    assert _login(app, "landlord-b").post(f"/api/v1/tenancies/{tenancy_id}/confirm").status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenancy.resolve_conflict"))
        assert event.actor_role == "police" and event.details["outcome"] == "correct"


def test_staff_refuse_an_impostor_and_the_record_stays(app, houses, make_user, login_as):
    house_id, tenancy_id = _conflict(app, houses, make_user, login_as)
    supervisor = login_as("supervisor", "330326100")
    done = supervisor.post(
        f"/api/v1/tenancies/{tenancy_id}/resolve", json={"outcome": "refuse", "reason": "冒用他人身份"}
    )
    assert done.status_code == 200 and (done.get_json()["status"], done.get_json()["conflict"]) == (
        "refused",
        "refused",
    )
    assert _stored(app)["name"] == REAL["name"]
    card = supervisor.client.get(f"/api/v1/houses/{house_id}").get_json()
    assert card["occupants_count"] == 0 and card["occupants"] == []
