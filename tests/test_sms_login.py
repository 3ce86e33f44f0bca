"""Issue 16: residents sign in with their phone and an SMS code; staff who can read personal data in clear confirm
their password sign-in with one. The dev gateway's outbox (`flask sms outbox`) is how a test reads a code."""

import re
import threading
from datetime import timedelta

import jsonschema
import pytest
from sqlalchemy import event, func, select

from backend.api.openapi import build_spec
from backend.audit import AuditEvent
from backend.auth import phone_signin
from backend.auth.models import SmsCode, User
from backend.extensions import db
from backend.notify.models import SmsMessage
from backend.notify.outbox import notify
from backend.notify.worker import run_once
from backend.people.validate import PersonDataError, check_phone
from backend.people.vault import vault
from backend.types import utcnow
from tests.conftest import PASSWORD, Auth

CODE, LOGIN, SECOND = "/api/v1/auth/sms-code", "/api/v1/auth/sms-login", "/api/v1/auth/second-factor"
PHONE = "13912345678"


class Clock:
    """phone_signin's clock, moved by the test instead of sleeping."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(phone_signin, "utcnow", c)
    return c


def ask(client, phone=PHONE, ip="10.0.0.1", lang="en"):
    return client.post(f"{CODE}?lang={lang}", json={"phone": phone}, environ_base={"REMOTE_ADDR": ip})


def sign_in(client, code, phone=PHONE, lang="en"):
    return client.post(f"{LOGIN}?lang={lang}", json={"phone": phone, "code": code})


def outbox(runner, *args):
    result = runner.invoke(args=["sms", "outbox", *args])
    assert result.exit_code == 0, result.output
    return result.output


def code_of(runner, phone=PHONE):
    """The code in the newest text to phone, read as a developer would."""
    lines = outbox(runner, "--phone", phone, "--last", "1").splitlines()
    return re.search(r"\b(\d{6})\b", lines[-1].split("  ", 2)[2]).group(1)


def wrong(code):
    return f"{(int(code) + 1) % 10**6:06d}"


def give_phone(app, username, phone):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.phone_enc, user.phone_index = vault().encrypt(phone, "phone"), vault().blind_index(phone, "phone")
        db.session.commit()


def events(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def region(app):
    from backend.regions.importer import apply_rows
    from backend.regions.validate import RegionRow

    with app.app_context():
        apply_rows([RegionRow(2, "33", "浙江省", "province", "")])
        db.session.commit()
    return "33"


# ---- asking for a code -------------------------------------------------------------------------------------------


def test_known_and_unknown_phones_get_the_same_answer_from_the_same_work(app, make_user, runner, clock):
    make_user("landlord", username="wang")
    give_phone(app, "wang", "13912340001")
    statements = []

    def counted(conn, cursor, statement, *args):
        statements[-1].append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        answers = []
        for phone in ("13912340001", "13912340002"):  # an account's phone, a phone nobody has
            statements.append([])
            answers.append(ask(app.test_client(), phone))
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    known, unknown = answers
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json() == {"expires_in": 300, "resend_in": 60}
    assert known.headers.get("Set-Cookie") == unknown.headers.get("Set-Cookie") is None
    # The same statements in the same order: no account is looked up, so nothing can take longer for one of them.
    assert statements[0] == statements[1] and len(statements[0]) > 3
    assert all(code_of(runner, p) for p in ("13912340001", "13912340002"))  # both got their SMS


def test_bad_phone_numbers_are_refused_before_anything_is_sent(client):
    for phone in ("12812345678", "1381234567a", "15412345678", "+1 202 555 0123", ""):
        resp = ask(client, phone)
        assert resp.status_code == 400, phone
        assert resp.get_json()["error"]["fields"]["phone"] in ("Give an 11-digit mainland mobile number.", "Required.")
    assert ask(client, "+86 139-1234-5678").status_code == 202


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１３９１２３４５６７８", "13912345678"),
        ("0086 139 1234 5678", "13912345678"),
        ("(+86)13912345678", "13912345678"),
    ],
)
def test_check_phone_reads_numbers_as_people_type_them(text, expected):
    assert check_phone(text) == expected


@pytest.mark.parametrize("text", ["15412345678", "17412345678", "13912345678 ext 1", "+852 91234567", "139l2345678"])
def test_check_phone_uses_the_number_plan_not_a_pattern(text):
    with pytest.raises(PersonDataError):
        check_phone(text)


def test_a_code_is_kept_only_as_a_keyed_hash_and_every_send_is_audited_masked(app, runner, clock):
    assert ask(app.test_client()).status_code == 202
    code = code_of(runner)
    with app.app_context():
        row = db.session.scalar(select(SmsCode))
        stored = [str(getattr(row, c.key)) for c in SmsCode.__table__.c]
        assert row.purpose == "login" and row.tries == 0 and row.used_at is None
        assert (row.expires_at - row.created_at).total_seconds() == 300
        assert row.phone_index == vault().blind_index(PHONE, "phone")
    assert not any(code in value or PHONE in value for value in stored)
    [sent] = events(app, "auth.sms_code")
    assert sent.target_type == "phone" and sent.target_id == row.phone_index
    assert sent.details["phone"] == "139****5678" and sent.details["outcome"] == "sent"
    assert PHONE not in str(sent.details) and code not in str(sent.details)


def test_the_codes_are_random_six_digits(app, runner, clock):
    codes = set()
    for n in range(8):
        assert ask(app.test_client(), f"1391234{n:04d}").status_code == 202
        codes.add(code_of(runner, f"1391234{n:04d}"))
    assert len(codes) == 8 and all(re.fullmatch(r"\d{6}", c) for c in codes)


# ---- the limits --------------------------------------------------------------------------------------------------


def refused(resp, seconds_at_most, seconds_at_least=1):
    assert resp.status_code == 429, resp.get_json()
    wait = int(resp.headers["Retry-After"])
    assert seconds_at_least <= wait <= seconds_at_most, wait
    return resp.get_json()["error"]


def test_one_code_a_minute_per_phone(app, clock):
    client = app.test_client()
    assert ask(client).status_code == 202
    clock.advance(seconds=20)
    error = refused(ask(client), 40, 40)
    assert (
        error["code"] == "too_many_attempts" and error["message"] == "Wait 40 seconds before asking for another code."
    )
    assert ask(client, "13912349999").status_code == 202  # another phone is not held up
    clock.advance(seconds=41)
    assert ask(client).status_code == 202


def test_five_codes_an_hour_per_phone(app, clock):
    client = app.test_client()
    for _ in range(5):
        assert ask(client).status_code == 202
        clock.advance(minutes=5)
    # The first of the five was 25 minutes ago: it leaves the hour in 35.
    error = refused(ask(client), 35 * 60, 35 * 60)
    assert error["message"] == "Too many codes for this phone; try again in 35 minutes."
    clock.advance(minutes=35, seconds=1)
    assert ask(client).status_code == 202


def test_ten_codes_a_day_per_phone_and_the_longest_wait_is_told(app, clock):
    client = app.test_client()
    for _ in range(2):
        for _ in range(5):
            assert ask(client).status_code == 202
            clock.advance(minutes=2)
        clock.advance(hours=1)
    # Ten in the last 2 h 20 min: the day's limit holds it for almost 22 hours, longer than the hour's would.
    error = refused(ask(client), 22 * 3600, 21 * 3600)
    assert error["message"].startswith("Too many codes for this phone")
    clock.advance(hours=22)
    assert ask(client).status_code == 202


def test_codes_per_ip_are_limited_and_other_networks_are_not_held_up(app, clock):
    app.config.update(SMS_IP_PER_HOUR=3)
    client = app.test_client()
    for n in range(3):
        assert ask(client, f"1391234{n:04d}", ip="100.64.0.7").status_code == 202
    clock.advance(minutes=10)
    error = refused(ask(client, "13912340009", ip="100.64.0.7"), 50 * 60, 50 * 60)
    assert error["message"] == "Too many codes asked for from this network; try again in 50 minutes."
    assert ask(client, "13912340009", ip="100.64.0.8").status_code == 202


def test_codes_in_all_are_limited(app, clock):
    app.config.update(SMS_GLOBAL_PER_HOUR=4)
    client = app.test_client()
    for n in range(4):
        assert ask(client, f"1391234{n:04d}", ip=f"10.0.0.{n}").status_code == 202
        clock.advance(minutes=1)
    error = refused(ask(client, "13912340009", ip="10.9.9.9"), 57 * 60, 56 * 60)
    assert error["message"].startswith("Sign-in codes have reached their hourly limit")
    clock.advance(minutes=57)
    assert ask(client, "13912340009", ip="10.9.9.9").status_code == 202


def test_a_limit_set_to_0_is_off(app, clock):
    app.config.update(SMS_PHONE_PER_MINUTE=0, SMS_PHONE_PER_HOUR=0, SMS_PHONE_PER_DAY=0)
    client = app.test_client()
    for _ in range(12):
        assert ask(client).status_code == 202
    assert client.post(CODE, json={"phone": PHONE}).get_json()["resend_in"] == 0


def test_concurrent_asks_for_one_phone_send_one_code(app):
    app.config.update(SMS_PHONE_PER_HOUR=0, SMS_PHONE_PER_DAY=0)
    barrier, statuses = threading.Barrier(4), []

    def one():
        client = app.test_client()
        barrier.wait()
        statuses.append(ask(client).status_code)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202, 429, 429, 429]
    assert count(app, SmsCode) == count(app, SmsMessage) == 1


# ---- signing in with a code --------------------------------------------------------------------------------------


def test_the_first_code_makes_the_resident_account_and_the_next_sign_in_reuses_it(app, runner, clock):
    client = app.test_client()
    ask(client)
    resp = sign_in(client, code_of(runner))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["user"]["role"] == "resident" and body["user"]["display_name"] == "居民139****5678"
    assert body["user"]["region"] is None and len(body["csrf_token"]) > 30
    assert client.get("/api/v1/me").get_json()["user"]["id"] == body["user"]["id"]
    with app.app_context():
        user = db.session.get(User, body["user"]["id"])
        assert vault().decrypt(user.phone_enc, "phone") == PHONE and user.phone_index == vault().blind_index(
            PHONE, "phone"
        )
        assert PHONE not in user.username and PHONE not in user.display_name
        assert user.last_login_at is not None and user.active
    # No usable password: the password login refuses whatever is typed.
    password_login = app.test_client().post(
        "/api/v1/auth/login", json={"username": body["user"]["username"], "password": "!"}
    )
    assert password_login.status_code == 401
    [created] = events(app, "user.create")
    assert created.actor_id == body["user"]["id"] and created.target_id == str(body["user"]["id"])
    assert created.details == {"role": "resident", "via": "sms"}
    # A real session: its CSRF token lets it write (here: sign out).
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    clock.advance(minutes=2)
    other_phone = app.test_client()
    ask(other_phone)
    again = sign_in(other_phone, code_of(runner))
    assert again.status_code == 200 and again.get_json()["user"]["id"] == body["user"]["id"]
    assert count(app, User) == 1 and len(events(app, "user.create")) == 1
    assert len(events(app, "auth.sms_login")) == 2


def test_a_code_is_used_once(app, runner, clock):
    ask(app.test_client())
    code = code_of(runner)
    assert sign_in(app.test_client(), code).status_code == 200
    again = sign_in(app.test_client(), code)
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "sms_code_spent"
    assert events(app, "auth.sms_code_failed")[-1].details["reason"] == "used"


def test_a_code_expires_after_five_minutes(app, runner, clock):
    ask(app.test_client())
    code = code_of(runner)
    clock.advance(seconds=301)
    resp = sign_in(app.test_client(), code)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["message"] == "This code is no longer valid; ask for a new one."
    [failed] = events(app, "auth.sms_code_failed")
    assert failed.details["reason"] == "expired" and failed.details["phone"] == "139****5678"
    assert count(app, User) == 0


def test_five_wrong_tries_end_a_code(app, runner, clock):
    ask(app.test_client())
    code = code_of(runner)
    for left in (4, 3, 2, 1):
        resp = sign_in(app.test_client(), wrong(code))
        assert resp.status_code == 401 and resp.get_json()["error"]["message"] == f"Wrong code; {left} tries left."
    fifth = sign_in(app.test_client(), wrong(code))
    assert fifth.status_code == 401 and fifth.get_json()["error"]["code"] == "sms_code_spent"
    right_too_late = sign_in(app.test_client(), code)
    assert right_too_late.status_code == 401 and right_too_late.get_json()["error"]["code"] == "sms_code_spent"
    failures = events(app, "auth.sms_code_failed")
    assert [e.details["reason"] for e in failures] == ["wrong"] * 5 + ["tries"]
    assert [e.details["tries"] for e in failures] == [1, 2, 3, 4, 5, 5]
    assert all(e.details["phone"] == "139****5678" and e.target_id == failures[0].target_id for e in failures)
    with app.app_context():
        assert db.session.scalar(select(SmsCode.tries)) == 5
    # A new code starts over.
    clock.advance(minutes=1)
    ask(app.test_client())
    assert sign_in(app.test_client(), code_of(runner)).status_code == 200


def test_only_the_newest_code_counts(app, runner, clock):
    ask(app.test_client())
    first = code_of(runner)
    clock.advance(minutes=1)
    ask(app.test_client())
    second = code_of(runner)
    if first != second:
        assert sign_in(app.test_client(), first).status_code == 401
    assert sign_in(app.test_client(), second).status_code == 200


def test_no_code_asked_is_a_failed_try_too(app):
    resp = sign_in(app.test_client(), "123456")
    assert resp.status_code == 401
    assert events(app, "auth.sms_code_failed")[0].details["reason"] == "no_code"


def test_the_code_must_be_six_digits(client):
    for code in ("12345", "1234567", "abcdef", 123456):
        resp = client.post(f"{LOGIN}?lang=en", json={"phone": PHONE, "code": code})
        assert resp.status_code == 400
        assert "code" in resp.get_json()["error"]["fields"]
    resp = client.post(f"{LOGIN}?lang=en", json={"phone": PHONE, "code": "12345"})
    assert resp.get_json()["error"]["fields"]["code"] == "Give the 6-digit code from the text."


def test_a_staff_phone_gets_the_same_answer_but_never_signs_in(app, make_user, region, runner, clock):
    make_user("police", region, username="officer")
    give_phone(app, "officer", PHONE)
    staff = ask(app.test_client())
    nobody = ask(app.test_client(), "13912340000")
    assert staff.status_code == nobody.status_code == 202 and staff.get_json() == nobody.get_json()
    client = app.test_client()
    resp = sign_in(client, code_of(runner))
    assert resp.status_code == 403
    assert resp.get_json()["error"] == {
        "code": "staff_sign_in_with_password",
        "message": "Staff accounts sign in with their username and password.",
        "fields": {},
    }
    assert client.get("/api/v1/me").status_code == 401
    assert count(app, User) == 1  # no resident was made for the officer's phone
    assert events(app, "auth.sms_login_refused")[0].details == {"phone": "139****5678", "reason": "staff"}


def test_a_deactivated_account_does_not_sign_in(app, runner, clock):
    client = app.test_client()
    ask(client)
    user_id = sign_in(client, code_of(runner)).get_json()["user"]["id"]
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    clock.advance(minutes=1)
    other = app.test_client()
    ask(other)
    resp = sign_in(other, code_of(runner))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "account_inactive"
    assert other.get("/api/v1/me").status_code == 401


def test_an_account_with_a_password_and_a_phone_signs_in_by_sms_too(app, make_user, runner, clock):
    make_user("landlord", username="wang")
    give_phone(app, "wang", PHONE)
    client = app.test_client()
    ask(client)
    resp = sign_in(client, code_of(runner))
    assert resp.status_code == 200 and resp.get_json()["user"]["username"] == "wang"


def test_signing_in_by_sms_on_a_signed_in_device_ends_the_previous_session(app, make_user, runner, clock):
    make_user("landlord", username="wang")
    client = app.test_client()
    auth = Auth(client)
    assert auth.login("wang").status_code == 200
    old_cookie = client.get_cookie("menpai_session").value
    client.post(CODE, json={"phone": PHONE}, headers={"X-CSRF-Token": auth.csrf})
    resp = client.post(LOGIN, json={"phone": PHONE, "code": code_of(runner)}, headers={"X-CSRF-Token": auth.csrf})
    assert resp.status_code == 200 and resp.get_json()["user"]["role"] == "resident"
    client.set_cookie("menpai_session", old_cookie)
    assert client.get("/api/v1/me").status_code == 401


# ---- the staff's second factor -----------------------------------------------------------------------------------


@pytest.fixture
def second_factor(app):
    app.config.update(STAFF_SECOND_FACTOR=True)


@pytest.mark.parametrize("role", ["police", "admin"])
def test_staff_who_can_reveal_confirm_their_password_with_an_sms_code(
    app, make_user, region, runner, clock, role, second_factor
):
    make_user(role, region if role == "police" else None, username="officer")
    give_phone(app, "officer", PHONE)
    client = app.test_client()
    resp = client.post("/api/v1/auth/login?lang=en", json={"username": "officer", "password": PASSWORD})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "second_factor_required"
    assert resp.get_json()["error"]["message"] == "A code was sent to 139****5678; enter it to finish signing in."
    assert client.get("/api/v1/me").status_code == 401  # nothing can be read yet
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.last_login_at.isnot(None))) == 0
    code = code_of(runner)
    assert "staff account" in outbox(runner, "--phone", PHONE)
    bad = client.post(f"{SECOND}?lang=en", json={"code": wrong(code)})
    assert bad.status_code == 401 and bad.get_json()["error"]["message"] == "Wrong code; 4 tries left."
    assert client.get("/api/v1/me").status_code == 401
    ok = client.post(SECOND, json={"code": code})
    assert ok.status_code == 200 and ok.get_json()["user"]["username"] == "officer"
    assert client.get("/api/v1/me").get_json()["csrf_token"] == ok.get_json()["csrf_token"]
    # The pending sign-in is spent with its code.
    again = client.post(SECOND, json={"code": code}, headers={"X-CSRF-Token": ok.get_json()["csrf_token"]})
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "second_factor_not_started"
    [sent] = events(app, "auth.sms_code")
    assert sent.details["purpose"] == "second_factor" and sent.actor_id is not None


def test_the_second_factor_code_is_bound_to_the_browser_that_typed_the_password(
    app, make_user, region, runner, clock, second_factor
):
    make_user("police", region, username="officer")
    give_phone(app, "officer", PHONE)
    app.test_client().post("/api/v1/auth/login", json={"username": "officer", "password": PASSWORD})
    thief = app.test_client()  # has the code (a forwarded SMS), not the password
    resp = thief.post(f"{SECOND}?lang=en", json={"code": code_of(runner)})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "second_factor_not_started"


def test_the_second_factor_counts_wrong_tries(app, make_user, region, runner, clock, second_factor):
    make_user("police", region, username="officer")
    give_phone(app, "officer", PHONE)
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"username": "officer", "password": PASSWORD})
    code = code_of(runner)
    for _ in range(5):
        assert client.post(SECOND, json={"code": wrong(code)}).status_code == 401
    assert client.post(SECOND, json={"code": code}).status_code == 401
    clock.advance(minutes=6)  # a new sign-in: a new code (the minute's limit has passed)
    client.post("/api/v1/auth/login", json={"username": "officer", "password": PASSWORD})
    assert client.post(SECOND, json={"code": code_of(runner)}).status_code == 200


def test_staff_without_reveal_rights_and_residents_sign_in_without_it(app, make_user, region, second_factor):
    make_user("grid_worker", region, username="worker")
    make_user("landlord", username="wang")
    for name in ("worker", "wang"):
        assert Auth(app.test_client()).login(name).status_code == 200
    assert count(app, SmsCode) == 0


def test_a_police_account_without_a_phone_cannot_pass_the_second_factor(app, make_user, region, second_factor):
    make_user("police", region, username="officer")
    resp = app.test_client().post("/api/v1/auth/login", json={"username": "officer", "password": PASSWORD})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "second_factor_no_phone"


def test_a_wrong_password_sends_no_code(app, make_user, region, second_factor):
    make_user("police", region, username="officer")
    give_phone(app, "officer", PHONE)
    resp = app.test_client().post("/api/v1/auth/login", json={"username": "officer", "password": "wrong-password-1"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"
    assert count(app, SmsCode) == 0


def test_the_second_factor_is_off_with_the_dev_gateway_and_on_with_a_real_one_unless_set(app, make_user, region):
    make_user("police", region, username="officer")
    assert Auth(app.test_client()).login("officer").status_code == 200  # the demo and the tests: dev gateway
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        app.config.update(SMS_GATEWAY="package.module:factory")
        assert phone_signin.second_factor_needed(officer)
        app.config.update(STAFF_SECOND_FACTOR=False)
        assert not phone_signin.second_factor_needed(officer)
        app.config.update(SMS_GATEWAY="dev", STAFF_SECOND_FACTOR=True)
        assert phone_signin.second_factor_needed(officer)


def test_second_factor_without_a_password_sign_in_is_refused(client):
    resp = client.post(SECOND, json={"code": "123456"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "second_factor_not_started"


# ---- the dev outbox ----------------------------------------------------------------------------------------------


def test_the_outbox_prints_phone_text_and_time_newest_last(app, runner, clock, make_user):
    for n in range(3):
        ask(app.test_client(), f"1391234000{n}")
    lines = outbox(runner).splitlines()
    assert [line.split("  ")[1] for line in lines] == ["13912340000", "13912340001", "13912340002"]
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  ", line) for line in lines)
    assert "sign-in code" in lines[0] or "登录验证码" in lines[0]
    assert len(outbox(runner, "--last", "2").splitlines()) == 2
    only = outbox(runner, "--phone", "+86 139 1234 0001").splitlines()
    assert len(only) == 1 and only[0].split("  ")[1] == "13912340001"
    with app.app_context():  # stored sealed: the number is not in the table
        assert all(PHONE[:7] not in (m.phone_enc or "") for m in db.session.scalars(select(SmsMessage)))


def test_the_outbox_lists_notifications_by_account_and_phone(app, runner, make_user):
    make_user("landlord", username="wang")
    make_user("landlord", username="li")
    give_phone(app, "wang", PHONE)
    with app.app_context():
        for name in ("wang", "li"):
            user = db.session.scalar(select(User).where(User.username == name))
            notify(user.id, "整改通知", "请于本周五前整改。", "/app/", sms=True)
        db.session.commit()
        run_once(limit=10)
    lines = outbox(runner).splitlines()
    assert any(line.split("  ")[1] == PHONE and "整改通知" in line for line in lines)
    assert any("no phone" in line or "无手机号" in line for line in lines)
    assert len(outbox(runner, "--phone", PHONE).splitlines()) == 1


def test_the_outbox_is_the_dev_gateways_only(app, runner):
    empty = runner.invoke(args=["sms", "outbox"])
    assert empty.exit_code == 0
    app.config.update(SMS_GATEWAY="aliyun")
    result = runner.invoke(args=["sms", "outbox"])
    assert result.exit_code != 0 and "aliyun" in result.output
    app.config.update(SMS_GATEWAY="dev")
    assert runner.invoke(args=["sms", "outbox", "--phone", "12345"]).exit_code == 2


# ---- the API document --------------------------------------------------------------------------------------------


def _valid(spec, name, body) -> list[str]:
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    return [e.message for e in jsonschema.validators.Draft202012Validator(schema).iter_errors(body)]


def test_the_document_describes_the_phone_routes_and_their_answers(app, make_user, region, runner, clock):
    spec = build_spec(app)
    asking = spec["paths"]["/api/v1/auth/sms-code"]["post"]
    assert {"202", "400", "429", "502", "503"} <= set(asking["responses"]) and "security" not in asking
    assert spec["components"]["schemas"]["SmsLogin"]["required"] == ["phone", "code"]
    assert spec["components"]["schemas"]["SecondFactor"]["properties"]["code"]["pattern"] == "^[0-9]{6}$"
    assert {"401", "403"} <= set(spec["paths"]["/api/v1/auth/sms-login"]["post"]["responses"])
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "403", "502", "503"} <= set(login)

    client = app.test_client()
    sent = ask(client)
    assert _valid(spec, "SmsCodeSent", sent.get_json()) == []
    assert _valid(spec, "Me", sign_in(client, code_of(runner)).get_json()) == []
    app.config.update(STAFF_SECOND_FACTOR=True)
    make_user("admin", username="root")
    give_phone(app, "root", "13912340099")
    staff = app.test_client()
    staff.post("/api/v1/auth/login", json={"username": "root", "password": PASSWORD})
    confirmed = staff.post(SECOND, json={"code": code_of(runner, "13912340099")})
    assert confirmed.status_code == 200 and _valid(spec, "Me", confirmed.get_json()) == []
