# ruff: noqa: F811  (the fixtures of test_pwa are imported by name, then requested as arguments)
"""The landlord's screens of the app (houses, declare, tenants, notices, monthly, push) in Debian's chromium at
360×740, against the real server and database."""

from loop_helpers import person
from sqlalchemy import select
from test_pwa import log_in, needs_browser, open_app, phone, playwright, server  # noqa: F401  (fixtures)

from backend.audit import AuditEvent
from backend.extensions import db

LANDLORD = "landlord-wang"


def check_in(login_as, houses, house, n=0):
    """A tenant checks in at the house's door through the API; → the tenancy id."""
    token, _, _ = houses.plate(house)
    tenant = login_as("tenant", username=f"tenant-{n}")
    resp = tenant.post(f"/api/v1/doorplates/{token}/check-in", json={**person(n), "move_in": "2026-12-01"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def tenancy_status(app, tenancy_id):
    from backend.tenancy.models import Tenancy

    with app.app_context():
        return db.session.get(Tenancy, tenancy_id).status


def landlord_page(phone, server, path):
    page = phone()
    open_app(page, f"{server}/app/#{path}")
    log_in(page, LANDLORD)
    return page


@needs_browser
def test_the_landlord_confirms_one_pending_tenant_and_refuses_another_with_a_reason(
    app,
    houses,
    make_user,
    login_as,
    server,
    phone,
):
    make_user("landlord", username=LANDLORD)
    house = houses.add("A1-1", landlord=LANDLORD)
    first, second = check_in(login_as, houses, house, 0), check_in(login_as, houses, house, 1)
    page = landlord_page(phone, server, "/tenants")
    page.wait_for_selector(f"[data-tenancy-id='{first}']")
    shown = page.inner_text(f"[data-tenancy-id='{first}'] .person")
    assert "张*" in shown and person(0)["id_number"] not in shown and person(0)["phone"] not in shown

    page.dblclick(f"[data-tenancy-id='{first}'] button[data-action=confirm]")  # a double tap: one decision
    page.wait_for_selector(f"[data-tenancy-id='{first}'][data-status=active]")
    page.fill(f"#reason-{second}", "不认识此人")
    page.click(f"[data-tenancy-id='{second}'] button[data-action=refuse]")
    page.wait_for_selector(f"[data-tenancy-id='{second}'][data-status=refused]")
    assert tenancy_status(app, first) == "active" and tenancy_status(app, second) == "refused"
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("tenancy.confirm", "tenancy.refuse")))
        ).all()
    assert sorted((e.action, e.details.get("reason")) for e in events) == [
        ("tenancy.confirm", None),
        ("tenancy.refuse", "不认识此人"),
    ]

    page.reload()
    page.wait_for_selector("#tenants-empty")
