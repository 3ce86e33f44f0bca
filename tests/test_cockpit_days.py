"""The cockpit's calendar and its live tail, and the last-visit table the triggers keep; both databases.

- Days are local days of COCKPIT_TIMEZONE (Asia/Shanghai by default; the other cockpit tests run in UTC).
- After `cockpit refresh` the numbers are the aggregates before its cut-off plus the events since, live: equal to
  counting everything live, with nothing counted twice; aggregates cut in another zone are not read.
- house_last_visits follows verifications, re-inspections and field scans (not tenants', not failed ones),
  whichever way the row was written, including the scan batcher's COPY on PostgreSQL.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from backend.cockpit.aggregates import refresh
from backend.cockpit.flows import Period, per_day, today, totals
from backend.cockpit.models import DailyStats, HouseLastVisit, Refresh
from backend.cockpit.trends import trends
from backend.doorplates.models import Doorplate, Scan
from backend.extensions import db
from backend.fire.models import FireNotice, NoticeItem
from backend.houses.models import House
from backend.tenancy.models import Person, Tenancy
from backend.types import utcnow
from backend.verification.models import Verification, VerificationTask

A = "330326100"
SHANGHAI = "Asia/Shanghai"


def at(*args):
    return datetime(*args, tzinfo=UTC)


def scan(house_id, when, role=None, result="ok"):
    plate = db.session.scalar(select(Doorplate.id).where(Doorplate.house_id == house_id))
    db.session.execute(
        insert(Scan.__table__).values(at=when, doorplate_id=plate, result=result, channel="page", role=role)
    )


def check_in(house_id, created, n):
    person = Person(name_enc="x", id_number_enc="x", id_number_index=f"d{n}", phone_enc="x", phone_index="p")
    db.session.add(person)
    db.session.flush()
    db.session.add(
        Tenancy(house_id=house_id, person_id=person.id, move_in=created.date(), status="pending", created_at=created)
    )


@pytest.fixture
def edges(world, houses):
    """Scans of one house around the midnights of 9–11 March 2025, in UTC and in China (UTC+8)."""
    h = houses.add("A1-1")
    with world.app_context():
        for when in (
            at(2025, 3, 9, 15, 59),  # 9th 23:59 in China
            at(2025, 3, 9, 23, 59),  # 9th UTC, 10th 07:59 in China
            at(2025, 3, 10, 0, 0),  # 10th in both
            at(2025, 3, 10, 16, 30),  # 10th UTC, 11th 00:30 in China
        ):
            scan(h, when)
        db.session.commit()
    return h


def test_days_weeks_and_months_are_cut_in_china_time(edges, app):
    app.config["COCKPIT_TIMEZONE"] = SHANGHAI
    with app.app_context():
        days = Period(date(2025, 3, 9), date(2025, 3, 11), SHANGHAI)
        assert trends(A, days, "day", ["scans"])["series"]["scans"] == [1, 2, 1]
        assert totals(("check_ins",), A, days) == {"check_ins": 0}
        # The same rows in UTC: the 10th 16:30 is still the 10th, the 9th 23:59 is the 9th.
        utc = Period(date(2025, 3, 9), date(2025, 3, 11), "UTC")
        assert trends(A, utc, "day", ["scans"])["series"]["scans"] == [2, 2, 0]
        # The period's instants are China's midnights.
        assert days.since == at(2025, 3, 8, 16) and days.until == at(2025, 3, 11, 16)


def test_the_api_period_defaults_to_todays_local_date(edges, app, login_as):
    app.config["COCKPIT_TIMEZONE"] = SHANGHAI
    auth = login_as("supervisor", A)
    body = auth.client.get(f"/api/v1/cockpit/trends?region={A}&measure=scans").get_json()
    with app.app_context():
        assert body["period"]["to"] == today().isoformat()
    body = auth.client.get(f"/api/v1/cockpit/trends?region={A}&from=2025-03-09&to=2025-03-11&measure=scans")
    assert body.get_json()["series"]["scans"] == [1, 2, 1]


def test_a_refresh_counts_in_its_zone_and_the_readers_add_what_came_after(edges, app):
    app.config["COCKPIT_TIMEZONE"] = SHANGHAI
    days = Period(date(2025, 3, 9), date(2025, 3, 11), SHANGHAI)
    with app.app_context():
        refresh()
        db.session.commit()
        stored = dict(
            db.session.execute(
                select(DailyStats.day, DailyStats.n).where(DailyStats.prefix == A, DailyStats.kind == "scans")
            ).all()
        )
        assert stored == {date(2025, 3, 9): 1, date(2025, 3, 10): 2, date(2025, 3, 11): 1}
        # Rows written since the refresh (here: a scan and a check-in now) count at once, and once.
        house = db.session.scalar(select(House.id))
        now = utcnow()
        scan(house, now)
        check_in(house, now, 1)
        db.session.commit()
        this_week = Period(today() - timedelta(days=6), today(), SHANGHAI)
        assert sum(per_day("scans", A, this_week).values()) == 1
        assert totals(("check_ins",), A, this_week) == {"check_ins": 1}
        assert trends(A, days, "day", ["scans"])["series"]["scans"] == [1, 2, 1]

        # Aggregated + live == all live, for every measure, at every level that has daily rows.
        everything = Period(date(2025, 1, 1), today(), SHANGHAI)
        measures = ["check_ins", "scans", "declarations", "verifications", "active_tenants", "registered_houses"]
        with_aggregates = {p: trends(p, everything, "month", measures) for p in ("", "33", "3303", "330326", A)}
        db.session.execute(update(Refresh).values(time_zone="UTC"))  # cut in another zone: not read any more
        live = {p: trends(p, everything, "month", measures) for p in with_aggregates}
        assert with_aggregates == live
        assert sum(live[A]["series"]["scans"]) == 5


def test_a_refresh_in_another_zone_is_not_read(edges, app):
    with app.app_context():
        refresh()  # in UTC, the test default
        db.session.commit()
    app.config["COCKPIT_TIMEZONE"] = SHANGHAI
    with app.app_context():
        days = Period(date(2025, 3, 9), date(2025, 3, 11), SHANGHAI)
        assert trends(A, days, "day", ["scans"])["series"]["scans"] == [1, 2, 1]


def last_visit(house_id):
    return db.session.scalar(select(HouseLastVisit.at).where(HouseLastVisit.house_id == house_id))


def test_the_last_visit_follows_verifications_inspections_and_field_scans(world, houses, make_user):
    from backend.auth.models import User

    make_user("grid_worker", "330326100001001", username="gw")
    h1, h2 = houses.add("A1-1"), houses.add("A1-2", notices=[("rectification", "整改", None, "issued")])
    t0 = utcnow().replace(microsecond=0) - timedelta(days=30)
    with world.app_context():
        assert last_visit(h1) is None  # seeded as verified before the data: never visited
        scan(h1, t0, role="tenant")
        scan(h1, t0, role=None)
        scan(h1, t0 + timedelta(days=1), role="grid_worker", result="revoked")
        db.session.commit()
        assert last_visit(h1) is None  # tenants, anonymous scans and failed scans are no visits

        scan(h1, t0 + timedelta(days=2), role="police")
        db.session.commit()
        assert last_visit(h1) == t0 + timedelta(days=2)

        worker = db.session.scalar(select(User.id).where(User.username == "gw"))
        task = db.session.scalar(select(VerificationTask.id).where(VerificationTask.house_id == h1))
        db.session.add(
            Verification(
                task_id=task,
                house_id=h1,
                worker_id=worker,
                at=t0 + timedelta(days=5),
                point="SRID=4326;POINT(120.5 27.6)",
                accuracy_m=5,
                distance_m=3,
                outcome="approved",
            )
        )
        db.session.commit()
        assert last_visit(h1) == t0 + timedelta(days=5)

        scan(h1, t0 + timedelta(days=4), role="fire_officer")  # an older visit never moves it back
        db.session.commit()
        assert last_visit(h1) == t0 + timedelta(days=5)

        notice = db.session.scalar(select(FireNotice.id).where(FireNotice.house_id == h2))
        db.session.add(NoticeItem(notice_id=notice, position=1, description="灭火器过期"))
        db.session.commit()
        assert last_visit(h2) is None
        db.session.execute(update(NoticeItem).values(inspected_at=t0 + timedelta(days=7)))
        db.session.commit()
        assert last_visit(h2) == t0 + timedelta(days=7)
        assert last_visit(h1) == t0 + timedelta(days=5)
        assert db.session.scalar(select(func.count()).select_from(HouseLastVisit)) == 2


def test_a_batch_of_buffered_scans_moves_each_house_once(world, houses, make_user):
    """PostgreSQL: the scan batcher COPYs rows; the statement trigger upserts each house from the batch."""
    if not world.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("the COPY batch path is PostgreSQL's (SQLite writes scans in the request)")
    from backend.fastpath.scanlog import ScanLog, conninfo

    h1, h2 = houses.add("A1-1"), houses.add("A1-2")
    t0 = utcnow().replace(microsecond=0)
    with world.app_context():
        plates = dict(db.session.execute(select(Doorplate.house_id, Doorplate.id)).all())
        log = ScanLog(conninfo(str(db.engine.url.render_as_string(hide_password=False))), 60, 1000, 10_000)
        for plate, when, role in (
            (plates[h1], t0 - timedelta(hours=3), "grid_worker"),
            (plates[h1], t0 - timedelta(hours=1), "grid_worker"),
            (plates[h2], t0, "tenant"),
            (plates[h2], t0 - timedelta(hours=2), "police"),
        ):
            log.rows.append((when, plate, 1, "ok", "api", None, role))
        assert log.flush() == 4  # one COPY
        log.close()
        assert last_visit(h1) == t0 - timedelta(hours=1)
        assert last_visit(h2) == t0 - timedelta(hours=2)


def test_a_last_visit_needs_a_house(world):
    with world.app_context():
        db.session.add(HouseLastVisit(house_id=999_999, at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def _daily_rows():
    return sorted(db.session.execute(select(DailyStats.prefix, DailyStats.day, DailyStats.kind, DailyStats.n)).all())


def test_an_incremental_refresh_recounts_the_recent_days_only(edges, app, runner):
    app.config["COCKPIT_TIMEZONE"] = SHANGHAI
    with app.app_context():
        first = refresh()
        db.session.commit()
        assert first["days_recounted_from"] is None
        cutoff = db.session.get(Refresh, 1).at
        house = db.session.scalar(select(House.id))
        scan(house, utcnow())  # after the cut-off
        scan(house, cutoff - timedelta(seconds=1))  # the scan batcher's late row: an instant before the cut-off
        check_in(house, utcnow(), 2)
        scan(house, cutoff - timedelta(days=10))  # a back-dated row: only a full refresh counts it
        db.session.commit()
    result = runner.invoke(args=["cockpit", "refresh"])
    assert result.exit_code == 0, result.output
    assert "起重新统计" in result.output  # the CLI says which days it recounted
    with app.app_context():
        incremental = _daily_rows()
        recounted = refresh(full=False)
        assert recounted["days_recounted_from"] == (today() - timedelta(days=1)).isoformat()
        assert _daily_rows() == incremental
        scans_a_week = Period(today() - timedelta(days=6), today(), SHANGHAI)
        assert sum(per_day("scans", A, scans_a_week).values()) == 2  # now and the late row, each once
        refresh(full=True)
        full = _daily_rows()
        assert set(incremental) < set(full)
        assert {r for r in full if r not in incremental} == {
            (p, (cutoff - timedelta(days=10)).astimezone(_shanghai()).date(), "scans", 1)
            for p in ("", "33", "3303", "330326", A)
        }
        db.session.rollback()


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo(SHANGHAI)
