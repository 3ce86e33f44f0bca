"""The caches behind a staff member's scan of a door (PostgreSQL): the house card per plate, the signed-in session
per key, the verified session cookie; and the batched audit events of the card's masked reads.

Each must never show what is no longer true: a change reaches the card, a revocation or a deactivated account
ends the session, through the database's NOTIFY (at once in the process that made it); every read, cached or not,
leaves its audit event.
"""

from datetime import date, timedelta

import pytest
from loop_helpers import person
from sqlalchemy import func, select, text, update

from backend.audit import AuditEvent
from backend.auth.models import User, UserSession
from backend.doorplates import keys
from backend.extensions import db
from backend.fastpath import fastscan
from backend.tenancy.models import Person, Tenancy
from tests.conftest import PG_URL, make_app, wait_for

pytestmark = pytest.mark.skipif(not PG_URL, reason="the caches and NOTIFY are PostgreSQL's")
KEYS = {"A": "ab" * 32}


@pytest.fixture
def cached_app(app):
    """The test app with the card/page and session caches on (the suite's config has them off)."""
    app.config.update(LANDING_CACHE_ENTRIES=100, SESSION_CACHE_ENTRIES=100, DOORPLATE_KEYS=KEYS)
    app.extensions.pop(keys.CACHE, None)
    return app


def cache_of(app):
    with app.app_context():
        return fastscan.page_cache()


@pytest.fixture
def occupied(cached_app, houses, login_as, make_user):
    """A house of 昆阳镇 with one tenant checked in (pending), its token, and a supervisor of the township."""
    make_user("landlord", username="landlord-cc")
    house = houses.add("A1-1", max_occupants=3, landlord="landlord-cc")
    token = houses.plate(house)[0]
    tenant = login_as("tenant", username="tenant-cc")
    body = {**person(0), "move_in": date.today().isoformat(), "room": "101"}
    assert tenant.post(f"/api/v1/doorplates/{token}/check-in", json=body).status_code == 201
    return house, token, login_as("supervisor", "330326100")


def card(client, token):
    resp = client.get(f"/api/v1/doorplates/{token}/card")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def warm(app, client, token):
    """Scan until this process serves the card from its cache (the listener connects in the background)."""
    cache = cache_of(app)
    assert wait_for(lambda: card(client, token) and cache.hits > 0 and card(client, token) and cache.hits > 1)
    return cache


def written(app):
    """The supervisor's masked reads in the audit log now."""
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "person.read", AuditEvent.actor_role == "supervisor")
        )


def reads(app):
    """The same once the batch writer has written what it holds."""
    fastscan.flush(app)
    return written(app)


def test_a_cached_card_is_the_card_and_counts_and_audits_every_scan(cached_app, occupied):
    _, token, supervisor = occupied
    first = card(supervisor.client, token)  # read from the database
    cache = warm(cached_app, supervisor.client, token)
    hits, before, seen = cache.hits, reads(cached_app), card(supervisor.client, token)
    assert cache.hits == hits + 1
    assert {k: v for k, v in seen.items() if k != "scans_total"} == {
        k: v for k, v in first.items() if k != "scans_total"
    }
    assert seen["occupants"][0]["name"] == "张*" and "110" not in str(seen["occupants"])
    later = [card(supervisor.client, token)["scans_total"] for _ in range(3)]
    assert later == [seen["scans_total"] + 1, seen["scans_total"] + 2, seen["scans_total"] + 3]
    assert reads(cached_app) == before + 4  # every scan's masked read is in the audit log, cached or not


@pytest.mark.parametrize("what", ["check_out", "confirm", "rename", "capacity"])
def test_every_change_to_what_the_card_shows_reaches_a_cached_card(cached_app, occupied, what):
    house, token, supervisor = occupied
    warm(cached_app, supervisor.client, token)
    with cached_app.app_context():
        tenancy = db.session.scalar(select(Tenancy).where(Tenancy.house_id == house))
        if what == "check_out":
            tenancy.status = "ended"
        elif what == "confirm":
            tenancy.status = "active"
        elif what == "rename":
            db.session.execute(
                update(Person).where(Person.id == tenancy.person_id).values(name_enc=_sealed_name("王五"))
            )
        else:
            db.session.execute(text("UPDATE houses SET max_occupants = 9 WHERE id = :id"), {"id": house})
        db.session.commit()
    expect = {
        "check_out": lambda c: c["occupants"] == [],
        "confirm": lambda c: c["occupants"][0]["status"] == "active",
        "rename": lambda c: c["occupants"][0]["name"] == "王*",
        "capacity": lambda c: c["max_occupants"] == 9,
    }[what]
    assert wait_for(lambda: expect(card(supervisor.client, token))), what


def _sealed_name(name):
    from backend.people.vault import vault

    return vault().encrypt(name, "name")


def test_a_cached_card_is_still_only_for_staff_in_scope(cached_app, occupied, login_as):
    _, token, supervisor = occupied
    warm(cached_app, supervisor.client, token)
    beside = login_as("supervisor", "330326101")  # the next township
    assert beside.client.get(f"/api/v1/doorplates/{token}/card").status_code == 404
    landlord = login_as("landlord", username="someone-else")
    assert landlord.client.get(f"/api/v1/doorplates/{token}/card").status_code in (403, 404)


def test_while_the_audit_writer_fails_each_read_is_written_before_the_card_is_answered(cached_app, occupied):
    _, token, supervisor = occupied
    card(supervisor.client, token)
    with cached_app.app_context():
        writer = fastscan._audit_log()
    before = reads(cached_app)
    writer.failing = True  # as after a failed COPY
    writer.flush_seconds = 60  # nothing flushed behind our back: the event must be written synchronously
    try:
        card(supervisor.client, token)
        assert written(cached_app) == before + 1 and not writer.rows
    finally:
        writer.failing, writer.flush_seconds = False, 0


def test_a_read_event_waits_in_the_writer_until_its_batch_is_written(cached_app, occupied):
    _, token, supervisor = occupied
    card(supervisor.client, token)
    with cached_app.app_context():
        writer = fastscan._audit_log()
    before = reads(cached_app)
    writer.flush_seconds = 60  # its thread now waits a minute (the app's teardown wakes it to write and stop)
    card(supervisor.client, token)
    card(supervisor.client, token)
    assert written(cached_app) == before and len(writer.rows) == 2
    assert reads(cached_app) == before + 2


# ---- the session cache -------------------------------------------------------------------------------------------


def me(client):
    return client.get("/api/v1/me").status_code


def test_a_cached_session_serves_reads_and_writes(cached_app, houses, login_as):
    user = login_as("supervisor", "330326100")
    cache = cache_of(cached_app)
    assert wait_for(lambda: me(user.client) == 200 and len(cache.sessions) == 1)
    assert me(user.client) == 200
    # A write after cached reads: the user is merged into the request's ORM session.
    assert user.post("/api/v1/auth/logout").status_code == 200
    assert me(user.client) == 401  # at once: this process dropped it itself


@pytest.mark.parametrize("how", ["revoked", "expired", "deactivated"])
def test_a_session_changed_elsewhere_ends_here_on_the_notification(cached_app, houses, login_as, how):
    user = login_as("supervisor", "330326100")
    cache = cache_of(cached_app)
    assert wait_for(lambda: me(user.client) == 200 and len(cache.sessions) == 1)
    with cached_app.app_context():  # as another process (the CLI, another worker) would
        if how == "deactivated":
            db.session.execute(update(User).where(User.username == "supervisor-330326100").values(active=False))
        else:
            column = "revoked_at" if how == "revoked" else "expires_at"
            db.session.execute(text(f"UPDATE user_sessions SET {column} = now() - interval '1 second'"))
        db.session.commit()
    assert wait_for(lambda: me(user.client) == 401), how


def test_a_second_worker_ends_a_session_the_first_revoked(cached_app, houses, login_as):
    user = login_as("supervisor", "330326100")
    other = make_app(PG_URL, LANDING_CACHE_ENTRIES=100, SESSION_CACHE_ENTRIES=100, DOORPLATE_KEYS=KEYS)
    try:
        other.secret_key = cached_app.secret_key
        reader = other.test_client()
        cookie = user.client.get_cookie("menpai_session")
        reader.set_cookie("menpai_session", cookie.value)
        cache = cache_of(other)
        assert wait_for(lambda: me(reader) == 200 and len(cache.sessions) == 1)
        assert user.post("/api/v1/auth/logout").status_code == 200
        assert wait_for(lambda: me(reader) == 401)
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        fastscan.dispose(other)


def test_a_tampered_or_old_cookie_is_anonymous_even_after_the_good_one_was_verified(cached_app, houses, login_as):
    user = login_as("supervisor", "330326100")
    assert me(user.client) == 200
    good = user.client.get_cookie("menpai_session").value
    forged = cached_app.test_client()
    forged.set_cookie("menpai_session", good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    assert me(forged) == 401
    cached_app.permanent_session_lifetime = timedelta(seconds=-1)  # every cookie is now too old
    try:
        assert me(user.client) == 401
    finally:
        cached_app.permanent_session_lifetime = timedelta(days=31)


def test_a_session_row_is_read_once_while_cached(cached_app, houses, login_as):
    user = login_as("supervisor", "330326100")
    cache = cache_of(cached_app)
    assert wait_for(lambda: me(user.client) == 200 and len(cache.sessions) == 1)
    with cached_app.app_context():
        sess = db.session.scalar(select(UserSession))
    # Changed behind the cache's back without a notification (no trigger fires on this session table copy):
    # the cache still serves it, which shows the request did not read the row.
    with cached_app.app_context():
        db.session.execute(text("ALTER TABLE user_sessions DISABLE TRIGGER menpai_sessions_update"))
        db.session.execute(update(UserSession).where(UserSession.id == sess.id).values(user_agent="changed"))
        db.session.execute(text("ALTER TABLE user_sessions ENABLE TRIGGER menpai_sessions_update"))
        db.session.commit()
    assert me(user.client) == 200
    assert next(iter(cache.sessions.values())).record.user_agent != "changed"


def test_a_failing_audit_writer_is_seen_on_the_health_check(cached_app, occupied):
    _, token, supervisor = occupied
    card(supervisor.client, token)
    with cached_app.app_context():
        writer = fastscan._audit_log()
    assert supervisor.client.get("/healthz").get_json()["audit"] == "ok"
    writer.failing = True  # as after a failed COPY
    try:
        health = supervisor.client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["audit"] == "failing"
    finally:
        writer.failing = False
