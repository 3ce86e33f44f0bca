"""The landing page's cache of rendered pages and its batched scan log (PostgreSQL's fast path).

The cache must never show a door as it was: every change to what the page shows reaches it through the
database's NOTIFY, a read that raced a change is not kept, and nothing is served while the listener is away.
"""

import os
import time
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import func, select, text, update

from backend.doorplates import keys
from backend.doorplates.models import Scan
from backend.extensions import db
from backend.fastpath import fastscan, pagecache, scanlog
from backend.fire.models import FireNotice
from backend.houses.models import House
from backend.obligations.models import KINDS, Obligation
from tests.conftest import PG_URL, make_app, wait_for

needs_pg = pytest.mark.skipif(not PG_URL, reason="the fast path, its cache and NOTIFY are PostgreSQL's")
TODAY = date(2026, 12, 3)
OBLIGATION_KIND = KINDS[0]
KEYS = {"A": "ab" * 32}


# ---- the cache's own rules, without a database -------------------------------------------------------------------


def listening_cache(**kw):
    cache = pagecache.PageCache("postgresql://unused", max_entries=kw.get("max_entries", 10), max_seconds=60)
    cache.pid, cache.listening = os.getpid(), True  # as the listener thread leaves it
    return cache


def page(house_id, html="<p>", day=TODAY):
    return pagecache.Page(house_id, house_id * 10, day, time.monotonic(), html)


def test_a_page_is_kept_per_token_and_language_and_dropped_by_its_house():
    cache = listening_cache()
    cache.put("T1", "zh-CN", page(1, "一"), cache.epoch)
    cache.put("T1", "en", page(1, "one"), cache.epoch)
    cache.put("T2", "zh-CN", page(2, "二"), cache.epoch)
    assert cache.get("T1", "en", TODAY).html == "one" and cache.get("T2", "zh-CN", TODAY).html == "二"
    cache.invalidate("1,3")
    assert cache.get("T1", "zh-CN", TODAY) is None and cache.get("T1", "en", TODAY) is None
    assert cache.get("T2", "zh-CN", TODAY).html == "二"
    cache.invalidate("*")
    assert cache.get("T2", "zh-CN", TODAY) is None and not cache.by_house


def test_a_read_that_raced_a_notification_is_not_kept():
    cache = listening_cache()
    epoch = cache.epoch  # the read begins
    cache.invalidate("7")  # a commit to another house lands meanwhile: the read may be older than the database
    cache.put("T", "zh-CN", page(1), epoch)
    assert cache.get("T", "zh-CN", TODAY) is None


def test_nothing_is_served_or_kept_while_the_listener_is_away():
    cache = listening_cache()
    cache.put("T", "zh-CN", page(1), cache.epoch)
    cache._set_listening(False)
    assert cache.get("T", "zh-CN", TODAY) is None
    cache.put("T", "zh-CN", page(1), cache.epoch)
    assert not cache.pages
    cache._set_listening(True)  # back: what was sent meanwhile is lost, so it starts empty
    assert cache.get("T", "zh-CN", TODAY) is None


def test_a_page_is_for_one_day_and_a_bounded_time_and_the_cache_for_a_bounded_size():
    cache = listening_cache(max_entries=2)
    cache.put("T", "zh-CN", page(1), cache.epoch)
    assert cache.get("T", "zh-CN", TODAY + timedelta(days=1)) is None  # "3 days left" is tomorrow's "2"
    cache.max_seconds = 0
    assert cache.get("T", "zh-CN", TODAY) is None
    cache.max_seconds = 60
    for i in range(3):
        cache.put(f"T{i}", "zh-CN", page(i), cache.epoch)
    assert list(cache.pages) == [("T1", "zh-CN"), ("T2", "zh-CN")] and 0 not in cache.by_house


# ---- on PostgreSQL ------------------------------------------------------------------------------------------------


@pytest.fixture
def cached_app(app):
    """The test app with the page cache on (the suite's config has it off)."""
    app.config.update(LANDING_CACHE_ENTRIES=100, DOORPLATE_KEYS=KEYS)
    app.extensions.pop(keys.CACHE, None)
    return app


def warm(client, app, token):
    """Scan until this process's cache serves the page (the listener connects in the background)."""
    with app.app_context():
        cache = fastscan.page_cache()
    assert wait_for(lambda: client.get(f"/d/{token}").status_code == 200 and cache.hits > 0)
    return cache


def change(app, statement):
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


@needs_pg
def test_a_cached_page_still_records_every_scan(cached_app, houses):
    client = cached_app.test_client()
    token, _, _ = houses.plate(houses.add("A1-1"))
    cache = warm(client, cached_app, token)

    def scans():
        fastscan.flush(cached_app)
        with cached_app.app_context():
            return db.session.scalar(select(func.count()).select_from(Scan).where(Scan.result == "ok"))

    hits, before = cache.hits, scans()
    for _ in range(5):
        assert client.get(f"/d/{token}").status_code == 200
    assert cache.hits == hits + 5 and scans() == before + 5


@needs_pg
@pytest.mark.parametrize(
    ("what", "expect"),
    [
        ("closed", "禁止出租"),
        ("notice", "楼道堆放杂物"),
        ("obligation", 'class="band yellow"'),
        ("full", 'class="band yellow"'),
        ("address", "改名后的街"),
    ],
)
def test_every_change_to_what_the_page_shows_reaches_a_cached_page(cached_app, houses, what, expect):
    client = cached_app.test_client()
    house_id = houses.add("A1-1", max_occupants=2)
    token, _, _ = houses.plate(house_id)
    warm(client, cached_app, token)
    assert expect not in client.get(f"/d/{token}").get_data(as_text=True)
    with cached_app.app_context():
        house = db.session.get(House, house_id)
        if what == "closed":
            house.status = "closed"
        elif what == "notice":
            db.session.add(FireNotice(house_id=house_id, kind="rectification", title="楼道堆放杂物", status="issued"))
        elif what == "obligation":
            pending = update(Obligation).where(Obligation.house_id == house_id, Obligation.state == "open")
            if not db.session.execute(pending.values(state="overdue")).rowcount:
                db.session.add(Obligation(house_id=house_id, kind=OBLIGATION_KIND, due_date=TODAY, state="overdue"))
        elif what == "full":
            house.occupants = 2
        else:
            db.session.execute(
                text("UPDATE addresses SET full_text = '改名后的街1号' WHERE id = :id"), {"id": house.address_id}
            )
        db.session.commit()
    assert wait_for(lambda: expect in client.get(f"/d/{token}").get_data(as_text=True)), what


@needs_pg
def test_a_revoked_plate_is_answered_as_replaced_at_once_after_the_notification(cached_app, houses):
    client = cached_app.test_client()
    house_id = houses.add("A1-1")
    token, _, _ = houses.plate(house_id)
    warm(client, cached_app, token)
    houses.revoke(house_id)
    assert wait_for(lambda: client.get(f"/d/{token}").status_code == 410)


@needs_pg
def test_a_second_worker_sees_the_first_workers_change(cached_app, houses):
    """Two apps stand for two gunicorn workers: a write through one empties the other's cache."""
    other = make_app(PG_URL, LANDING_CACHE_ENTRIES=100, DOORPLATE_KEYS=KEYS)  # one deployment, one set of keys
    try:
        house_id = houses.add("A1-1")
        token, _, _ = houses.plate(house_id)
        reader = other.test_client()
        warm(reader, other, token)
        change(cached_app, update(House).where(House.id == house_id).values(status="suspended"))
        assert wait_for(lambda: 'class="band red"' in reader.get(f"/d/{token}").get_data(as_text=True))
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        fastscan.dispose(other)


@needs_pg
def test_bulk_statements_empty_the_whole_cache(cached_app, houses):
    with psycopg.connect(scanlog.conninfo(PG_URL), autocommit=True) as conn:
        conn.execute("LISTEN menpai_houses")
        house_ids = [houses.add(code) for code in ("A1-1", "A1-2")]
        list(conn.notifies(timeout=0.5))  # what the setup sent
        change(cached_app, update(House).values(rooms=3))
        assert {n.payload for n in conn.notifies(timeout=1, stop_after=1)} == {",".join(map(str, sorted(house_ids)))}
        many = text(
            "INSERT INTO fire_notices (house_id, kind, title, status, issued_at) "
            "SELECT :h, 'reminder', 'campaign ' || g, 'issued', now() FROM generate_series(1, 101) g"
        )
        change(cached_app, many.bindparams(h=house_ids[0]))
        assert [n.payload for n in conn.notifies(timeout=1, stop_after=1)] == ["*"]


# ---- the scan log -------------------------------------------------------------------------------------------------


def row(n=1):
    from backend.types import utcnow

    return (utcnow(), None, n, "tampered", "page", None, None)


@needs_pg
def test_scans_are_written_in_batches_by_the_thread(app):
    log = scanlog.ScanLog(scanlog.conninfo(PG_URL), flush_seconds=0.05, max_rows=1000, max_buffered=10_000)
    try:
        for n in range(250):
            log.add(row(n))
        with app.app_context():
            count = lambda: db.session.scalar(select(func.count()).select_from(Scan))  # noqa: E731
            assert wait_for(lambda: count() == 250 and not log.rows)
            assert db.session.scalars(select(Scan.version).order_by(Scan.id)).all() == list(range(250))
    finally:
        log.close()


@needs_pg
def test_rows_survive_a_database_outage_and_the_buffer_is_bounded(app):
    log = scanlog.ScanLog("postgresql://postgres@127.0.0.1:1/none", flush_seconds=3600, max_rows=10**6, max_buffered=5)
    try:
        for n in range(3):
            log.add(row(n))
        assert log.flush() == 0 and len(log.rows) == 3  # kept for the next try
        for n in range(3, 8):
            log.add(row(n))
        assert log.flush() == 0 and [r[2] for r in log.rows] == [3, 4, 5, 6, 7] and log.dropped == 3
        log.conninfo = scanlog.conninfo(PG_URL)  # the database is back
        assert log.flush() == 5
        with app.app_context():
            assert db.session.scalars(select(Scan.version).order_by(Scan.id)).all() == [3, 4, 5, 6, 7]
    finally:
        log.close()
