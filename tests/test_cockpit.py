"""The cockpit summary against a hand-computed fixture on the two-township world, scope included.

Houses (period: March 2025):
  A = 昆阳镇 330326100
    h1 A1-1       grid 330326100001001  active     rectification open            → yellow (+ obligation overdue)
    h2 A1-2       grid 330326100001001  active     penalty open, reminder closed → red    (plate revoked: moved)
    h3 A1-1 北间  grid 330326100001001  declared                                 → grey   (task open)
    h4 A1-3       grid 330326100001002  suspended  rectification overdue         → red    (plate printed in March)
    h5 A2-1       grid 330326100002001  active                                   → green
    h7 X-1        community 330326100002 (in no grid)  declared                  → grey   (task open)
  B = 鳌江镇 330326101
    h6 B1-1       grid 330326101001001  active     rectification open            → yellow (everything counted in B)
    h8 B1-1 北间  grid 330326101001001  declared                                 → grey
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from backend.cockpit.aggregates import refresh
from backend.doorplates.models import Doorplate, DoorplateRevocation
from backend.extensions import db
from backend.houses.models import STATUSES
from backend.obligations.models import Obligation
from backend.tenancy.models import Person, Tenancy
from backend.verification.models import VerificationTask

A, B = "330326100", "330326101"
GRID = "330326100001001"
MARCH = "from=2025-03-01&to=2025-03-31"
URL = "/api/v1/cockpit/summary"


def at(*args):
    return datetime(*args, tzinfo=UTC)


def statuses(**counts):
    return {s: counts.get(s, 0) for s in STATUSES}


def colours(grey=0, green=0, yellow=0, red=0):
    return {"grey": grey, "green": green, "yellow": yellow, "red": red}


@pytest.fixture
def city(world, houses):
    future, past = date(2099, 1, 1), date(2025, 3, 1)
    h = {
        1: houses.add("A1-1", notices=[("rectification", "整改", future, "issued")]),
        2: houses.add("A1-2", notices=[("penalty", "处罚", None, "issued"), ("reminder", "提醒", None, "closed")]),
        3: houses.unit("A1-1", "北间"),
        4: houses.add("A1-3", status="suspended", notices=[("rectification", "整改", past, "overdue")]),
        5: houses.add("A2-1"),
        6: houses.add("B1-1", notices=[("rectification", "整改", future, "issued")]),
        7: houses.add("X-1", status="declared"),
        8: houses.unit("B1-1", "北间"),
    }
    houses.revoke(h[2], "moved")
    houses.revoke(h[1], "lost")
    with world.app_context():
        # Tenancies: (house, status, created_at, ended_at)
        tenancies = [
            (1, "active", at(2025, 3, 5), None),  # check-in, active
            (1, "active", at(2025, 2, 10), None),  # active
            (2, "ended", at(2025, 2, 1), at(2025, 3, 31, 23)),  # check-out on the last day
            (2, "ended", at(2025, 3, 2), at(2025, 4, 1, 0, 30)),  # check-in; its check-out is after the period
            (5, "pending", at(2025, 3, 31, 12), None),  # check-in, not active
            (4, "active", at(2025, 2, 28, 23, 59), None),  # active, checked in before the period
            (6, "active", at(2025, 3, 10), None),  # B
            (6, "ended", at(2025, 3, 11), at(2025, 3, 12)),  # B
        ]
        for n, (house, status, created, ended) in enumerate(tenancies):
            person = Person(
                name_enc="x", id_number_enc="x", id_number_index=f"id{n}", phone_enc="x", phone_index=f"ph{n}"
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Tenancy(
                    house_id=h[house],
                    person_id=person.id,
                    move_in=created.date(),
                    status=status,
                    created_at=created,
                    ended_at=ended,
                )
            )
        # Verification: declared → verified durations (hours) for tasks closed in March.
        spans = {
            1: (at(2025, 3, 1), at(2025, 3, 2)),  # 24 h
            2: (at(2025, 3, 10), at(2025, 3, 10, 6)),  # 6 h
            4: (at(2025, 2, 20), at(2025, 3, 20)),  # 672 h
            5: (at(2025, 3, 30), at(2025, 4, 5)),  # closed after the period
            6: (at(2025, 1, 1), at(2025, 3, 3)),  # B
        }
        for house, (created, closed) in spans.items():
            db.session.execute(
                update(VerificationTask)
                .where(VerificationTask.house_id == h[house])
                .values(created_at=created, closed_at=closed)
            )
        # A cancelled task closed in the period is not a verification.
        db.session.add(
            VerificationTask(
                house_id=h[5],
                scope_code="330326100002001",
                state="cancelled",
                created_at=at(2025, 3, 1),
                closed_at=at(2025, 3, 3),
            )
        )
        # Doorplates: printed in March (h4, and B's h6), in April (h5); revocations: h2's in March, h1's in January.
        for house, printed in ((4, at(2025, 3, 15)), (5, at(2025, 4, 2)), (6, at(2025, 3, 15))):
            db.session.execute(update(Doorplate).where(Doorplate.house_id == h[house]).values(printed_at=printed))
        for house, revoked in ((2, at(2025, 3, 12)), (1, at(2025, 1, 1))):
            plate = select(Doorplate.id).where(Doorplate.house_id == h[house]).scalar_subquery()
            db.session.execute(
                update(DoorplateRevocation).where(DoorplateRevocation.doorplate_id == plate).values(revoked_at=revoked)
            )
        # Obligations: h1's and B's h6's monthly confirmation overdue.
        for house in (1, 6):
            db.session.execute(update(Obligation).where(Obligation.house_id == h[house]).values(state="overdue"))
        db.session.commit()
        refresh()  # the summary reads the aggregates, as of their last rebuild (`flask cockpit refresh`)
        db.session.commit()
    return h


def get(auth, query=MARCH):
    resp = auth.client.get(f"{URL}?{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_township_summary_counts_every_number(city, login_as):
    body = get(login_as("supervisor", A))
    assert body["region"] == {"code": A, "name": "昆阳镇", "level": "township"}
    assert body["period"] == {"from": "2025-03-01", "to": "2025-03-31"}
    assert body["houses"] == {
        "total": 6,
        "by_status": statuses(declared=2, active=3, suspended=1),
        "by_colour": colours(grey=2, green=1, yellow=1, red=2),
    }
    assert body["tenants"] == {"active": 3, "check_ins": 3, "check_outs": 1}
    # durations 6, 24, 672 h: median 24; p90 = 24 + 0.8 × (672 − 24)
    assert body["verification"] == {"backlog": 2, "verified": 3, "hours_to_verify": {"median": 24.0, "p90": 542.4}}
    assert body["doorplates"] == {"pending": 2, "active": 3, "revoked": 1, "printed": 1, "revocations": 1}
    assert body["notices"] == {"open": 3, "overdue": 1, "closed": 1}
    assert body["obligations"] == {"overdue": 1}
    assert body["children"] == [
        {
            "code": "330326100001",
            "name": "西门社区",
            "level": "community",
            "houses": {
                "total": 4,
                "by_status": statuses(declared=1, active=2, suspended=1),
                "by_colour": colours(grey=1, yellow=1, red=2),
            },
            "tenants": {"active": 3},
        },
        {
            "code": "330326100002",
            "name": "县前社区",
            "level": "community",
            "houses": {
                "total": 2,
                "by_status": statuses(declared=1, active=1),
                "by_colour": colours(grey=1, green=1),
            },
            "tenants": {"active": 0},
        },
    ]
    # Nothing of B anywhere in the answer.
    assert B not in str(body)


def test_drill_down_to_a_community_keeps_houses_outside_any_grid_in_the_totals(city, login_as):
    body = get(login_as("supervisor", A), f"region=330326100002&{MARCH}")
    assert body["region"]["level"] == "community"
    assert body["houses"]["total"] == 2  # h5 in the grid, h7 at the community itself
    assert body["verification"]["backlog"] == 1
    assert body["verification"]["hours_to_verify"] == {"median": None, "p90": None}
    assert body["tenants"] == {"active": 0, "check_ins": 1, "check_outs": 0}
    assert body["children"] == [
        {
            "code": "330326100002001",
            "name": "县前第1网格",
            "level": "grid",
            "houses": {"total": 1, "by_status": statuses(active=1), "by_colour": colours(green=1)},
            "tenants": {"active": 0},
        }
    ]


def test_county_summary_for_an_admin_splits_the_townships(city, login_as):
    admin = login_as("admin")
    body = get(admin, f"region=330326&{MARCH}")
    assert body["houses"]["total"] == 8
    assert body["houses"]["by_colour"] == colours(grey=3, green=1, yellow=2, red=2)
    assert body["tenants"] == {"active": 4, "check_ins": 5, "check_outs": 2}
    # durations 6, 24, 672 and B's 1464 h: median (24 + 672) / 2; p90 = 672 + 0.7 × (1464 − 672)
    assert body["verification"] == {"backlog": 3, "verified": 4, "hours_to_verify": {"median": 348.0, "p90": 1226.4}}
    assert body["doorplates"] == {"pending": 3, "active": 4, "revoked": 1, "printed": 2, "revocations": 1}
    assert body["notices"] == {"open": 4, "overdue": 1, "closed": 1}
    assert body["obligations"] == {"overdue": 2}
    kids = {c["code"]: (c["houses"]["total"], c["tenants"]["active"]) for c in body["children"]}
    assert kids == {A: (6, 3), B: (2, 1)}
    # Without a region, an admin sees everything, the roots as children.
    everything = get(admin)
    assert everything["region"] is None
    assert [c["code"] for c in everything["children"]] == ["33"]
    assert everything["houses"]["total"] == 8
    assert everything["children"][0]["houses"]["total"] == 8


def test_a_township_supervisor_never_sees_the_neighbouring_township(city, login_as):
    supervisor = login_as("supervisor", A)
    for region in (B, "330326101001001", "330326", "33"):
        resp = supervisor.client.get(f"{URL}?region={region}")
        assert resp.status_code == 404, region
    assert supervisor.client.get(f"{URL}?region=330326100999").status_code == 404  # no such region


def test_a_grid_workers_default_region_is_their_grid(city, login_as):
    body = get(login_as("grid_worker", GRID))
    assert body["region"]["code"] == GRID
    assert body["children"] == []
    body = get(login_as("grid_worker", GRID, username="gw2"))
    assert body["houses"] == {
        "total": 3,
        "by_status": statuses(declared=1, active=2),
        "by_colour": colours(grey=1, yellow=1, red=1),
    }
    assert body["tenants"]["active"] == 2
    body = get(login_as("grid_worker", GRID, username="gw3"), MARCH)
    assert body["tenants"] == {"active": 2, "check_ins": 2, "check_outs": 1}
    assert body["verification"] == {"backlog": 1, "verified": 2, "hours_to_verify": {"median": 15.0, "p90": 22.2}}


def test_default_period_is_the_last_30_days(city, login_as):
    from backend.types import utcnow

    body = get(login_as("police", A), "")
    today = utcnow().date()
    assert body["period"]["to"] == today.isoformat()
    assert (today - date.fromisoformat(body["period"]["from"])).days == 29
    assert body["houses"]["total"] == 6  # houses are a state, not a period count


def test_bad_dates_are_field_errors(world, login_as):
    auth = login_as("fire_officer", A)
    resp = auth.client.get(f"{URL}?from=2025-13-01&to=yesterday")
    assert resp.status_code == 400
    assert set(resp.get_json()["error"]["fields"]) == {"from", "to"}
    resp = auth.client.get(f"{URL}?from=2025-03-31&to=2025-03-01")
    assert resp.status_code == 400
    assert set(resp.get_json()["error"]["fields"]) == {"to"}


def test_roles_without_the_cockpit_are_refused(world, login_as, make_user, client):
    assert client.get(URL).status_code == 401
    make_user("landlord", username="ll")
    from conftest import Auth

    landlord = Auth(client)
    assert landlord.login("ll").status_code == 200
    assert client.get(URL).status_code == 403


def test_the_summary_is_a_fixed_number_of_queries_whatever_the_children(city, world):
    from sqlalchemy import event

    from backend.cockpit.summary import Period, summarise
    from backend.regions.models import Region

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    period = Period(date(2025, 3, 1), date(2025, 3, 31))
    with world.app_context():
        regions = {r.code: r for r in db.session.scalars(select(Region))}
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            sizes = []
            for code in ("330326", A, "330326100001", GRID):
                statements.clear()
                summarise(regions[code], list(regions[code].children), period)
                sizes.append(len(statements))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    # From a township up the period counts are the daily aggregates plus the events since the refresh (one more
    # statement than below a township, where they are all live); never a statement per child.
    assert max(sizes) - min(sizes) <= 1 and max(sizes) <= 10, sizes
