"""What a conflicting check-in presented is personal data: every masked read of it (the house card on both paths,
the landlord's tenancy list) leaves one `tenancy.presented_read` event per tenancy, like `person.read`."""

from datetime import date

from loop_helpers import person
from sqlalchemy import select

from backend.audit import AuditEvent
from backend.extensions import db
from backend.houses import api as houses_api
from tests.conftest import Auth


def _presented_reads(app):
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == "tenancy.presented_read").order_by(AuditEvent.id)
        return [
            (e.actor_role, e.target_type, e.target_id, e.person_id, e.house_id, e.region_code, e.details)
            for e in db.session.scalars(query)
        ]


def test_every_read_of_a_conflicts_presented_name_and_phone_is_audited(app, houses, make_user, login_as, monkeypatch):
    make_user("landlord", username="landlord-seen")
    home = houses.add("A1-1", max_occupants=3)
    house = houses.add("A1-2", landlord="landlord-seen", max_occupants=3)
    today = str(date.today())
    holder, impostor = login_as("tenant", username="t-holder"), login_as("tenant", username="t-impostor")
    assert holder.post(f"/api/v1/doorplates/{houses.plate(home)[0]}/check-in", json={**person(1), "move_in": today})
    token = houses.plate(house)[0]
    faked = {**person(1), "name": "钱七", "phone": "13999990000", "move_in": today}
    tenancy = impostor.post(f"/api/v1/doorplates/{token}/check-in", json=faked).get_json()["id"]
    assert _presented_reads(app) == []  # the tenant's own answer shows what they typed: not a read of others' data

    supervisor = login_as("supervisor", "330326100")
    fast = supervisor.client.get(f"/api/v1/doorplates/{token}/card").get_json()
    monkeypatch.setattr(houses_api.fastscan, "available", lambda: False)
    general = supervisor.client.get(f"/api/v1/doorplates/{token}/card").get_json()
    assert (
        fast["occupants"][0]["presented"]
        == general["occupants"][0]["presented"]
        == {"name": "钱*", "phone": "139****0000"}
    )
    why = {"masked": True, "why": f"house {house} card"}
    card_read = ("supervisor", "tenancies", str(tenancy), None, house, fast["scope_code"], why)
    assert _presented_reads(app) == [card_read, card_read]

    landlord = Auth(app.test_client())
    assert landlord.login("landlord-seen").status_code == 200
    (listed,) = landlord.client.get("/api/v1/tenancies").get_json()["tenancies"]
    assert listed["conflict"] == "open" and listed["presented"]["name"] == "钱*"
    list_read = (
        "landlord",
        "tenancies",
        str(tenancy),
        None,
        house,
        fast["scope_code"],
        {"masked": True, "why": "tenancy list"},
    )
    assert _presented_reads(app) == [card_read, card_read, list_read]
