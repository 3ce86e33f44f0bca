"""Tenancy transitions are compare-and-set and the occupant count is kept by the database (issue 14, item 2).

Meaningful on PostGIS (TEST_DATABASE_URL), where the requests of a burst really run in parallel, each thread with
its own client, session and connection; on SQLite the single writer serialises them and the same assertions hold.
"""

from datetime import date

from loop_helpers import all_at_once, person, signed_in
from sqlalchemy import func, select, text

from backend.audit import AuditEvent
from backend.extensions import db
from backend.houses.models import House
from backend.tenancy.models import OCCUPYING, ResidenceRegistration, Tenancy

BURSTS = 50
CAPACITY = 2


def _live(app, house_id):
    with app.app_context():
        occupants = db.session.scalar(select(House.occupants).where(House.id == house_id))
        live = db.session.scalar(
            select(func.count()).where(Tenancy.house_id == house_id, Tenancy.status.in_(OCCUPYING))
        )
        return occupants, live


def test_fifty_bursts_of_parallel_check_outs_confirms_and_refusals(app, houses, make_user):
    make_user("landlord", username="landlord-race")
    make_user("tenant", username="tenant-race")
    house_id = houses.add("A1-1", landlord="landlord-race", max_occupants=CAPACITY)
    token = houses.plate(house_id)[0]
    landlords, tenants = signed_in(app, "landlord-race", 3), signed_in(app, "tenant-race", 3)
    stayer = tenants[0].post(f"/api/v1/doorplates/{token}/check-in", json={**person(999), "move_in": str(date.today())})
    landlords[0].post(f"/api/v1/tenancies/{stayer.get_json()['id']}/confirm")
    doubles, confirmed = [], 0
    for burst in range(BURSTS):
        body = {**person(burst), "move_in": date.today().isoformat()}
        tenancy = tenants[0].post(f"/api/v1/doorplates/{token}/check-in", json=body).get_json()["id"]
        if burst % 2:  # an active tenancy, ended by tenant and landlord at once, three times each
            assert landlords[0].post(f"/api/v1/tenancies/{tenancy}/confirm").status_code == 200
            confirmed += 1
            calls = [lambda a=a, t=tenancy: a.post(f"/api/v1/tenancies/{t}/check-out") for a in landlords + tenants]
        else:  # a pending one: three confirms and three refusals at once
            calls = [lambda a=a, t=tenancy: a.post(f"/api/v1/tenancies/{t}/confirm") for a in landlords]
            calls += [lambda a=a, t=tenancy: a.post(f"/api/v1/tenancies/{t}/refuse") for a in landlords]
        results = all_at_once(calls)
        codes = sorted(r.status_code for r in results)
        if codes != [200, 409, 409, 409, 409, 409]:
            doubles.append((burst, codes))
        winner = next(r.get_json() for r in results if r.status_code == 200)
        if winner["status"] == "active":
            confirmed += 1
            tenants[0].post(f"/api/v1/tenancies/{tenancy}/check-out")
        occupants, live = _live(app, house_id)
        assert occupants == live == 1, (burst, occupants, live)
    assert doubles == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResidenceRegistration)) == confirmed + 1
        ends = db.session.scalar(select(func.count()).where(AuditEvent.action == "tenancy.check_out"))
        decisions = db.session.scalar(
            select(func.count()).where(AuditEvent.action.in_(("tenancy.confirm", "tenancy.refuse")))
        )
        assert ends == confirmed and decisions == BURSTS + 1

    # Afterwards the count still holds the house at capacity: one more place, not three.
    newcomers = [signed_in(app, make_user("tenant", username=f"newcomer-{i}"), 1)[0] for i in range(4)]
    results = all_at_once(
        [
            lambda i=i, a=a: a.post(
                f"/api/v1/doorplates/{token}/check-in", json={**person(500 + i), "move_in": str(date.today())}
            )
            for i, a in enumerate(newcomers)
        ]
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    assert _live(app, house_id) == (CAPACITY, CAPACITY)


def test_the_database_keeps_the_count_whatever_writes_the_tenancies(app, houses, login_as):
    house_id = houses.add("A1-1", max_occupants=3)
    token = houses.plate(house_id)[0]
    tenant = login_as("tenant")
    for i in range(2):
        tenant.post(f"/api/v1/doorplates/{token}/check-in", json={**person(i), "move_in": str(date.today())})
    assert _live(app, house_id) == (2, 2)
    with app.app_context():  # a hand-written statement, as an operator at the psql prompt would
        db.session.execute(text("UPDATE tenancies SET status = 'ended' WHERE id = (SELECT min(id) FROM tenancies)"))
        db.session.commit()
    assert _live(app, house_id) == (1, 1)
    with app.app_context():
        db.session.execute(text("DELETE FROM tenancies WHERE status = 'pending'"))
        db.session.commit()
    assert _live(app, house_id) == (0, 0)
