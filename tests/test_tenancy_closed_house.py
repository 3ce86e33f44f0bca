"""Closing a house (取缔) ends its live tenancies and tells the tenants (issue 14, item 10)."""

from datetime import date

from loop_helpers import person
from sqlalchemy import select

from backend.audit import AuditEvent
from backend.extensions import db
from backend.notify.models import Notification
from backend.obligations.models import Obligation
from backend.tenancy.models import Tenancy
from tests.conftest import Auth


def test_closing_a_house_ends_its_tenancies_and_tells_the_tenants(app, houses, make_user, login_as):
    make_user("landlord", username="landlord-close")
    house_id = houses.add("A1-1", landlord="landlord-close", max_occupants=3)
    other_id = houses.add("A1-2", landlord="landlord-close", max_occupants=3)
    token, other = houses.plate(house_id)[0], houses.plate(other_id)[0]
    landlord = Auth(app.test_client())
    landlord.login("landlord-close")
    living, waiting, elsewhere = (login_as("tenant", username=u) for u in ("t-living", "t-waiting", "t-elsewhere"))
    today = date.today().isoformat()
    active = living.post(f"/api/v1/doorplates/{token}/check-in", json={**person(1), "move_in": today}).get_json()
    assert landlord.post(f"/api/v1/tenancies/{active['id']}/confirm").status_code == 200
    pending = waiting.post(f"/api/v1/doorplates/{token}/check-in", json={**person(2), "move_in": today}).get_json()
    untouched = elsewhere.post(f"/api/v1/doorplates/{other}/check-in", json={**person(3), "move_in": today})

    officer = login_as("fire_officer", "330326100")
    resp = officer.post(f"/api/v1/houses/{house_id}/status", json={"status": "closed", "reason": "消防隐患拒不整改"})
    assert resp.status_code == 200 and resp.get_json()["occupants_count"] == 0

    assert living.client.get("/api/v1/tenancies").get_json()["tenancies"][0]["status"] == "ended"
    assert waiting.client.get("/api/v1/tenancies").get_json()["tenancies"][0]["status"] == "refused"
    assert elsewhere.client.get("/api/v1/tenancies").get_json()["tenancies"][0]["status"] == "pending"
    card = officer.client.get(f"/api/v1/houses/{house_id}").get_json()
    assert card["occupants"] == [] and card["occupants_count"] == 0
    for tenant in (living, waiting):
        (message,) = tenant.client.get("/api/v1/inbox").get_json()["messages"]
        assert "取缔" in message["title"] or "关闭" in message["title"]
    assert elsewhere.client.get("/api/v1/inbox").get_json()["messages"] == []
    with app.app_context():
        ended = db.session.get(Tenancy, active["id"])
        assert ended.end_reason == "house_closed" and ended.ended_at is not None
        assert db.session.get(Tenancy, pending["id"]).end_reason == "house_closed"
        assert db.session.scalar(select(Tenancy.status).where(Tenancy.id == untouched.get_json()["id"])) == "pending"
        sms = db.session.scalars(select(Notification).where(Notification.channel == "sms")).all()
        assert len(sms) == 2
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenancy.house_closed")).all()
        assert sorted(int(e.target_id) for e in events) == sorted([active["id"], pending["id"]])
        open_duties = select(Obligation).where(Obligation.tenancy_id == active["id"], Obligation.state == "open")
        assert db.session.scalars(open_duties).all() == []

    # A check-out afterwards is a clear conflict, not a second end.
    late = living.post(f"/api/v1/tenancies/{active['id']}/check-out")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "tenancy_ended"


def test_suspending_a_house_leaves_its_tenancies(app, houses, login_as):
    house_id = houses.add("A1-1", max_occupants=3)
    token = houses.plate(house_id)[0]
    tenant = login_as("tenant")
    tenant.post(f"/api/v1/doorplates/{token}/check-in", json={**person(1), "move_in": date.today().isoformat()})
    officer = login_as("fire_officer", "330326100")
    resp = officer.post(f"/api/v1/houses/{house_id}/status", json={"status": "suspended", "reason": "限期整改期间"})
    assert resp.status_code == 200 and resp.get_json()["occupants_count"] == 1
    assert tenant.client.get("/api/v1/tenancies").get_json()["tenancies"][0]["status"] == "pending"
