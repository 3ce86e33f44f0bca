"""Fulfilling obligations (刷码履约): "by scan" means the doorplate token of the house; "in the app" only where the
rule allows it (the monthly occupant confirmation); fulfilling early never makes two duties with one due date;
two fulfils at once move the obligation once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from loop_helpers import person
from sqlalchemy import func, select

from backend.extensions import db
from backend.obligations.models import Obligation


def _landlord_house(app, houses, login_as, name="landlord-ob"):
    landlord = login_as("landlord", username=name)
    house = houses.add("A1-1", landlord=name)
    with app.app_context():
        ob = db.session.scalar(select(Obligation.id).where(Obligation.house_id == house))
    return landlord, house, ob


def test_fulfilling_by_scan_needs_the_token_and_a_renewal_needs_the_scan(app, houses, login_as):
    landlord, house, monthly = _landlord_house(app, houses, login_as)
    token = houses.plate(house)[0]
    other_token = houses.plate(houses.add("A1-2"))[0]

    no_token = landlord.post(f"/api/v1/obligations/{monthly}/fulfil", json={"via": "scan"})
    assert no_token.status_code == 400 and set(no_token.get_json()["error"]["fields"]) == {"token"}
    wrong = landlord.post(f"/api/v1/obligations/{monthly}/fulfil", json={"via": "scan", "token": other_token})
    assert wrong.status_code == 400
    done = landlord.post(f"/api/v1/obligations/{monthly}/fulfil", json={"token": token})
    assert done.status_code == 200 and done.get_json()["via"] == "scan"
    in_app = landlord.post(f"/api/v1/obligations/{done.get_json()['next']['id']}/fulfil", json={})
    assert in_app.status_code == 200 and in_app.get_json()["via"] == "app"  # the monthly confirmation may

    # A tenant's registration renewal says "I still live here": only the scan at the door does.
    tenant = login_as("tenant")
    tenancy = tenant.post(
        f"/api/v1/doorplates/{token}/check-in", json={**person(1), "move_in": date.today().isoformat()}
    ).get_json()
    assert landlord.post(f"/api/v1/tenancies/{tenancy['id']}/confirm").status_code == 200
    (renewal,) = tenant.client.get("/api/v1/obligations").get_json()["obligations"]
    assert renewal["kind"] == "registration_renewal"
    for body in ({}, {"via": "app"}, {"via": "scan"}):
        refused = tenant.post(f"/api/v1/obligations/{renewal['id']}/fulfil", json=body)
        assert refused.status_code == 400 and set(refused.get_json()["error"]["fields"]) == {"token"}, body
    assert tenant.post(f"/api/v1/obligations/{renewal['id']}/fulfil", json={"via": "nope"}).status_code == 400
    renewed = tenant.post(f"/api/v1/obligations/{renewal['id']}/fulfil", json={"token": token})
    assert renewed.status_code == 200 and renewed.get_json()["via"] == "scan"
    assert renewed.get_json()["next"]["due_date"] > renewal["due_date"]
    with app.app_context():
        vias = db.session.scalars(select(Obligation.fulfilled_via).where(Obligation.state == "fulfilled")).all()
    assert sorted(vias) == ["app", "scan", "scan"]


def test_fulfilling_the_next_monthly_confirmation_early_never_repeats_a_due_date(app, houses, login_as):
    landlord, house, ob = _landlord_house(app, houses, login_as)
    for _ in range(3):  # the one due, then the next month's and the one after, all early
        body = landlord.post(f"/api/v1/obligations/{ob}/fulfil", json={}).get_json()
        assert body["next"]["due_date"] > body["due_date"]
        ob = body["next"]["id"]
    with app.app_context():
        dues = db.session.scalars(select(Obligation.due_date).where(Obligation.house_id == house)).all()
    assert len(dues) == len(set(dues)) == 4
    assert all((d + timedelta(days=1)).day == 1 for d in dues)  # each a month's end
    assert all(a < b for a, b in zip(sorted(dues), sorted(dues)[1:], strict=False))


def test_two_fulfils_at_once_move_the_obligation_once(app, houses, login_as):
    landlord, house, ob = _landlord_house(app, houses, login_as)
    barrier = threading.Barrier(6)

    def fulfil(_):
        barrier.wait()
        return landlord.post(f"/api/v1/obligations/{ob}/fulfil", json={})

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(fulfil, range(6)))
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, [r.get_json() for r in results]
    with app.app_context():
        rows = db.session.execute(
            select(Obligation.state, func.count()).where(Obligation.house_id == house).group_by(Obligation.state)
        ).all()
    assert dict(rows) == {"fulfilled": 1, "open": 1}
