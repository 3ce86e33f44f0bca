"""Cockpit trends against a hand-computed fixture on the two-township world, both databases, scope included.

Houses: h1 A1-1 (grid 330326100001001), h5 A2-1 (grid 330326100002001), h7 X-1 (community 330326100002, declared),
h6 B1-1 in 鳌江镇 (must never show up in 昆阳镇's numbers).
Weeks of March 2025 (ISO, Monday first), clipped to the period: 1–2, 3–9, 10–16, 17–23, 24–30, 31.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, update

from backend.doorplates.models import Doorplate, Scan
from backend.extensions import db
from backend.fire.models import FireNotice
from backend.houses.models import House
from backend.tenancy.models import Person, Tenancy
from backend.verification.models import VerificationTask

A, B = "330326100", "330326101"
URL = "/api/v1/cockpit/trends"
MARCH = "from=2025-03-01&to=2025-03-31"


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def town(world, houses):
    h = {
        1: houses.add("A1-1", notices=[("rectification", "整改", None, "issued")]),
        5: houses.add("A2-1", notices=[("reminder", "提醒", None, "issued")]),
        6: houses.add("B1-1", notices=[("rectification", "整改", None, "issued")]),
        7: houses.add("X-1", status="declared"),
    }
    with world.app_context():
        # (house, status, created, decided, ended)
        tenancies = [
            (1, "active", at(2025, 2, 20), at(2025, 2, 21), None),  # t1: living there before March
            (1, "active", at(2025, 3, 3, 10), at(2025, 3, 4), None),  # t2: in week 3–9, living from the 4th
            (1, "ended", at(2025, 3, 5), at(2025, 3, 5), at(2025, 3, 12)),  # t3: in 3–9, out 10–16
            (5, "pending", at(2025, 3, 31, 23, 30), None, None),  # t4: a check-in on the 31st, not confirmed
            (5, "refused", at(2025, 3, 10), at(2025, 3, 10, 1), None),  # t5: a check-in, never living there
            (6, "active", at(2025, 3, 4), at(2025, 3, 4), None),  # t6: B
            (5, "ended", at(2025, 2, 1), None, at(2025, 3, 1)),  # t7: no decision on record; out at 00:00 on 1 March
        ]
        for n, (house, status, created, decided, ended) in enumerate(tenancies):
            person = Person(
                name_enc="x", id_number_enc="x", id_number_index=f"t{n}", phone_enc="x", phone_index=f"p{n}"
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
                    decided_at=decided,
                    ended_at=ended,
                )
            )
        # (declared, verified, task closed)
        dates = {
            1: (at(2025, 3, 2), at(2025, 2, 25), at(2025, 3, 10)),
            5: (at(2025, 3, 20), at(2025, 3, 25), at(2025, 3, 25)),
            6: (at(2025, 3, 20), at(2025, 3, 21), at(2025, 3, 21)),
            7: (at(2025, 3, 31, 12), None, None),
        }
        for house, (declared, verified, closed) in dates.items():
            db.session.execute(
                update(House).where(House.id == h[house]).values(declared_at=declared, verified_at=verified)
            )
            if closed:
                db.session.execute(
                    update(VerificationTask).where(VerificationTask.house_id == h[house]).values(closed_at=closed)
                )
        for house, issued in ((1, at(2025, 3, 17)), (5, at(2025, 2, 28, 23, 59, 59)), (6, at(2025, 3, 17))):
            db.session.execute(update(FireNotice).where(FireNotice.house_id == h[house]).values(issued_at=issued))
        plate = {
            k: db.session.scalar(Doorplate.__table__.select().where(Doorplate.house_id == v)) for k, v in h.items()
        }
        scans = [
            (plate[1], at(2025, 3, 9, 23, 59)),
            (plate[1], at(2025, 3, 10)),
            (plate[1], at(2025, 3, 31, 18)),
            (plate[6], at(2025, 3, 10)),  # B
            (None, at(2025, 3, 10)),  # an unknown token: no house, no region
        ]
        for plate_id, when in scans:
            db.session.execute(
                insert(Scan.__table__).values(at=when, doorplate_id=plate_id, result="ok", channel="page")
            )
        db.session.commit()
    return h


def trends(auth, query):
    resp = auth.client.get(f"{URL}?{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_weekly_trends_of_a_township_count_every_measure(town, login_as):
    body = trends(login_as("supervisor", A), f"{MARCH}&bucket=week")
    assert body["bucket"] == "week"
    assert [(b["start"], b["end"]) for b in body["buckets"]] == [
        ("2025-03-01", "2025-03-02"),
        ("2025-03-03", "2025-03-09"),
        ("2025-03-10", "2025-03-16"),
        ("2025-03-17", "2025-03-23"),
        ("2025-03-24", "2025-03-30"),
        ("2025-03-31", "2025-03-31"),
    ]
    assert body["series"] == {
        "check_ins": [0, 2, 1, 0, 0, 1],  # t2 t3 | t5 | t4
        "check_outs": [1, 0, 1, 0, 0, 0],  # t7 | t3
        "declarations": [1, 0, 0, 1, 0, 1],  # h1 | h5 | h7
        "verifications": [0, 0, 1, 0, 1, 0],  # h1's task | h5's task
        "notices": [0, 0, 0, 1, 0, 0],  # h1's (h5's was issued a second before March)
        "scans": [0, 1, 1, 0, 0, 1],  # 23:59 on the 9th | 00:00 on the 10th | the 31st
        "active_tenants": [1, 3, 2, 2, 2, 2],  # t1 t7 before; −t7 | +t2 +t3 | −t3
        "registered_houses": [1, 1, 1, 1, 2, 2],  # h1 before March | h5
    }


def test_monthly_and_daily_buckets_are_cut_at_the_period_edges(town, login_as):
    auth = login_as("supervisor", A)
    body = trends(auth, "from=2025-02-15&to=2025-04-10&bucket=month&measure=check_ins,active_tenants")
    assert [(b["start"], b["end"]) for b in body["buckets"]] == [
        ("2025-02-15", "2025-02-28"),
        ("2025-03-01", "2025-03-31"),
        ("2025-04-01", "2025-04-10"),
    ]
    assert body["series"] == {"check_ins": [1, 4, 0], "active_tenants": [2, 2, 2]}  # t7 before; +t1 | −t7 +t2 ±t3
    body = trends(auth, "from=2025-03-09&to=2025-03-10&bucket=day&measure=scans")
    assert body["series"] == {"scans": [1, 1]}
    assert [b["start"] for b in body["buckets"]] == ["2025-03-09", "2025-03-10"]


def test_the_neighbouring_township_sees_only_its_own(town, login_as):
    body = trends(login_as("supervisor", B), f"{MARCH}&bucket=week")
    assert body["series"]["check_ins"] == [0, 1, 0, 0, 0, 0]
    assert body["series"]["scans"] == [0, 0, 1, 0, 0, 0]
    assert body["series"]["notices"] == [0, 0, 0, 1, 0, 0]
    assert body["series"]["registered_houses"] == [0, 0, 0, 1, 1, 1]
    auth = login_as("supervisor", A, username="a-sup")
    assert auth.client.get(f"{URL}?region={B}&{MARCH}").status_code == 404


def test_drill_down_to_a_grid(town, login_as):
    body = trends(login_as("supervisor", A), f"region=330326100002001&{MARCH}&bucket=month")
    assert body["region"]["level"] == "grid"
    assert body["series"]["check_ins"] == [2]  # t4 and t5 at h5; h7 lies in no grid
    assert body["series"]["declarations"] == [1]
    assert body["series"]["active_tenants"] == [0]


@pytest.mark.parametrize(
    "query, field",
    [
        ("bucket=year", "bucket"),
        ("measure=bogus", "measure"),
        ("measure=scans,,x", "measure"),
        ("from=2025-13-01", "from"),
    ],
)
def test_bad_arguments_are_refused(town, login_as, query, field):
    resp = login_as("supervisor", A).client.get(f"{URL}?{query}")
    assert resp.status_code == 400
    assert field in resp.get_json()["error"]["fields"]


def test_days_are_utc_days_whatever_the_session_time_zone(town, app):
    from datetime import date

    from sqlalchemy import text

    from backend.cockpit.summary import Period
    from backend.cockpit.trends import trends as compute

    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # a cast to date would put 23:59 UTC on the next day here
            db.session.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
        body = compute(A, Period(date(2025, 3, 9), date(2025, 3, 10)), "day", ["scans", "check_outs"])
        db.session.rollback()
    assert body["series"] == {"scans": [1, 1], "check_outs": [0, 0]}
