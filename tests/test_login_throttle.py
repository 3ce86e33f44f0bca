"""Item 14 of issue #14: login throttling slows guessers without locking out the people they target."""

import logging
from datetime import timedelta

from sqlalchemy import select

from backend.audit import AuditEvent
from backend.auth.models import LoginAttempt, User
from backend.extensions import db
from tests.conftest import PASSWORD, Auth

LOGIN = "/api/v1/auth/login"
WRONG = "wrong-guess-123"


def attempt(client, username, password, ip):
    return client.post(LOGIN, json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": ip})


def age_attempts(app, seconds):
    """Move every recorded attempt `seconds` into the past (as if the guesser had waited)."""
    with app.app_context():
        for row in db.session.scalars(select(LoginAttempt)):
            row.at -= timedelta(seconds=seconds)
        db.session.commit()


def spaced_failures(app, username, ip, n):
    """n failures of username from ip, a minute apart (inside the window): what a patient guesser leaves."""
    from backend.types import utcnow

    with app.app_context():
        for i in range(n):
            at = utcnow() - timedelta(minutes=1 + i)
            db.session.add(LoginAttempt(username=username, ip=ip, success=False, at=at))
        db.session.commit()


def actions(app, name):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == name)).all()


def test_failures_from_ip_a_do_not_stop_the_right_password_from_ip_b_on_a_known_device(app, make_user):
    make_user("landlord", username="zhao")
    phone = app.test_client()
    assert attempt(phone, "zhao", PASSWORD, "10.0.0.2").status_code == 200  # the phone is now a known device
    Auth(phone).post("/api/v1/auth/logout")
    attacker = app.test_client()
    for _ in range(5):
        assert attempt(attacker, "zhao", WRONG, "203.0.113.9").status_code == 401
    refused = attempt(attacker, "zhao", PASSWORD, "203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    spaced_failures(app, "zhao", "203.0.113.9", 10)  # the guesser kept at it, waiting out the backoff
    assert attempt(phone, "zhao", PASSWORD, "10.0.0.2").status_code == 200
    stranger = attempt(app.test_client(), "zhao", PASSWORD, "10.0.0.3")  # an unknown device: the soft lock holds
    assert stranger.status_code == 429
    assert stranger.get_json()["error"]["code"] == "account_locked" and int(stranger.headers["Retry-After"]) > 0


def test_a_forged_device_cookie_is_not_a_known_device(app, make_user):
    make_user("landlord", username="zhao")
    spaced_failures(app, "zhao", "203.0.113.9", 12)
    client = app.test_client()
    client.set_cookie("menpai_device", "eyJ1IjpbMV19.forged.signature", path="/api/v1/auth/login")
    assert attempt(client, "zhao", PASSWORD, "10.0.0.2").status_code == 429


def test_an_office_behind_one_ip_with_30_failures_does_not_lock_an_account_without_failures(app, make_user):
    make_user("landlord", username="li")
    office = "100.64.1.1"
    for n in range(30):
        assert attempt(app.test_client(), f"colleague-{n % 10}", WRONG, office).status_code == 401
    assert attempt(app.test_client(), "li", PASSWORD, office).status_code == 200


def test_past_the_ip_limit_accounts_guessed_from_there_wait_and_others_are_only_slowed(app, make_user):
    app.config.update(LOGIN_MAX_FAILURES_PER_IP=3, LOGIN_IP_SLOW_SECONDS=2)
    make_user("landlord", username="li")
    make_user("landlord", username="wang")
    office = "100.64.1.1"
    for name in ("wang", "a2", "a3"):
        attempt(app.test_client(), name, WRONG, office)
    assert attempt(app.test_client(), "li", PASSWORD, office).status_code == 429  # slowed: one try per 2 s
    age_attempts(app, 3)
    assert attempt(app.test_client(), "li", PASSWORD, office).status_code == 200
    age_attempts(app, 3)
    assert attempt(app.test_client(), "wang", PASSWORD, office).status_code == 429  # guessed from here: waits
    assert attempt(app.test_client(), "wang", PASSWORD, "10.9.8.7").status_code == 200  # not locked elsewhere


def test_the_backoff_of_an_account_and_ip_doubles(app, make_user):
    make_user("landlord", username="wang")
    client, ip = app.test_client(), "198.51.100.7"
    for _ in range(4):
        assert attempt(client, "wang", WRONG, ip).status_code == 401  # free tries
    waits = []
    for _ in range(4):
        assert attempt(client, "wang", WRONG, ip).status_code == 401
        refused = attempt(client, "wang", PASSWORD, ip)
        assert refused.status_code == 429, refused.get_json()
        waits.append(int(refused.headers["Retry-After"]))
        age_attempts(app, waits[-1] + 1)
    assert waits == [5, 10, 20, 40]
    assert attempt(client, "wang", PASSWORD, ip).status_code == 200


def test_lockouts_are_audited_and_logged(app, make_user, caplog):
    make_user("landlord", username="wang")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="backend.auth.throttle"):
        for _ in range(5):
            attempt(client, "wang", WRONG, "198.51.100.7")
    (event,) = actions(app, "auth.lockout")
    assert event.details["scope"] == "account_ip" and event.details["failures"] == 5
    assert "login lockout: scope=account_ip" in caplog.text and "wang" not in caplog.text


def test_an_admin_unlocks_an_account(app, make_user):
    make_user("admin", username="root")
    make_user("landlord", username="wang")
    spaced_failures(app, "wang", "203.0.113.9", 12)
    assert attempt(app.test_client(), "wang", PASSWORD, "10.0.0.2").status_code == 429
    admin = Auth(app.test_client())
    admin.login("root")
    with app.app_context():
        wang = db.session.scalar(select(User.id).where(User.username == "wang"))
    resp = admin.post(f"/api/v1/users/{wang}/unlock")
    assert resp.status_code == 200 and resp.get_json() == {"cleared": 12}
    assert attempt(app.test_client(), "wang", PASSWORD, "10.0.0.2").status_code == 200
    assert [e.actor_role for e in actions(app, "user.unlock")] == ["admin"]


def test_the_cli_unlocks_an_account(app, runner, make_user):
    make_user("landlord", username="wang")
    spaced_failures(app, "wang", "203.0.113.9", 12)
    result = runner.invoke(args=["users", "unlock", "wang"], env={"MENPAI_LANG": "en"})
    assert "Unlocked wang: 12 failed logins cleared" in result.output, result.output
    assert attempt(app.test_client(), "wang", PASSWORD, "10.0.0.2").status_code == 200
    assert len(actions(app, "user.unlock")) == 1
