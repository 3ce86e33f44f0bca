"""Login, server-side sessions that can be revoked, throttling, CSRF, password hashing."""

import pytest
from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from tests.conftest import PASSWORD, make_app


def test_login_returns_user_and_csrf_token_and_me_works(client, auth, make_user):
    make_user("landlord", username="wang")
    resp = auth.login("Wang")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["user"]["username"] == "wang" and body["user"]["role"] == "landlord"
    assert len(body["csrf_token"]) > 30
    assert client.get("/api/v1/me").get_json()["user"]["username"] == "wang"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    make_user("landlord", username="wang")
    a = client.post("/api/v1/auth/login", json={"username": "wang", "password": "nope-nope-nope"})
    b = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope-nope-nope"})
    assert a.status_code == b.status_code == 401
    assert a.get_json() == b.get_json()
    assert a.get_json()["error"]["code"] == "unauthorized"


def test_missing_fields_name_each_field(client):
    resp = client.post("/api/v1/auth/login", json={"username": ""})
    assert resp.status_code == 400
    assert set(resp.get_json()["error"]["fields"]) == {"username", "password"}


def test_logout_revokes_the_session_even_if_the_cookie_is_replayed(client, auth, make_user):
    make_user("landlord", username="wang")
    auth.login("wang")
    cookie = client.get_cookie("menpai_session").value
    assert auth.post("/api/v1/auth/logout").status_code == 200
    client.set_cookie("menpai_session", cookie)  # an attacker kept a copy of the cookie
    assert client.get("/api/v1/me").status_code == 401


def test_admin_revokes_all_sessions_of_a_user(app, make_user):
    make_user("admin", username="root")
    with app.app_context():
        from backend.regions.importer import apply_rows
        from backend.regions.validate import RegionRow

        apply_rows([RegionRow(2, "33", "浙江省", "province", "")])
        db.session.commit()
    make_user("supervisor", "33", username="zhao")
    phone, laptop, admin = (app.test_client() for _ in range(3))
    from tests.conftest import Auth

    for c in (phone, laptop):
        assert Auth(c).login("zhao").status_code == 200
    admin_auth = Auth(admin)
    admin_auth.login("root")
    with app.app_context():
        zhao = db.session.scalar(select(User).where(User.username == "zhao"))
    resp = admin_auth.post(f"/api/v1/users/{zhao.id}/sessions/revoke")
    assert resp.get_json() == {"revoked": 2}
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 401
    assert admin.get("/api/v1/me").status_code == 200


def test_only_admins_revoke_other_users(client, auth, make_user):
    make_user("landlord", username="wang")
    auth.login("wang")
    assert auth.post("/api/v1/users/1/sessions/revoke").status_code == 403


def test_user_lists_and_ends_own_sessions(app, make_user):
    from tests.conftest import Auth

    make_user("landlord", username="wang")
    phone, laptop = app.test_client(), app.test_client()
    Auth(phone).login("wang")
    laptop_auth = Auth(laptop)
    laptop_auth.login("wang")
    sessions = laptop.get("/api/v1/me/sessions").get_json()["sessions"]
    assert len(sessions) == 2
    other = next(s for s in sessions if not s["current"])
    assert laptop_auth.post(f"/api/v1/me/sessions/{other['id']}/revoke").get_json() == {"revoked": 1}
    assert phone.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me").status_code == 200


def test_cli_revokes_sessions(app, runner, client, auth, make_user):
    make_user("landlord", username="wang")
    auth.login("wang")
    result = runner.invoke(args=["users", "revoke-sessions", "wang"], env={"MENPAI_LANG": "en"})
    assert "Revoked 1 sessions of wang" in result.output
    assert client.get("/api/v1/me").status_code == 401


def test_account_is_throttled_after_five_failures_even_with_the_right_password(client, make_user):
    make_user("landlord", username="wang")
    for _ in range(5):
        assert (
            client.post("/api/v1/auth/login", json={"username": "wang", "password": "wrong-guess"}).status_code == 401
        )
    resp = client.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD})
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "too_many_attempts"
    assert int(resp.headers["Retry-After"]) > 0


def test_ip_is_throttled_across_accounts(app, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    make_user("landlord", username="wang")
    client = app.test_client()
    for name in ("a1", "a2", "a3"):
        client.post("/api/v1/auth/login", json={"username": name, "password": "wrong-guess"})
    assert client.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD}).status_code == 429
    other_ip = client.post(
        "/api/v1/auth/login", json={"username": "wang", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert other_ip.status_code == 200


@pytest.mark.parametrize(("proxies", "recorded"), [(0, "10.0.0.2"), (1, "223.5.5.5")])
def test_throttling_sees_the_client_behind_a_trusted_proxy_only(app, proxies, recorded):
    proxied = make_app(app.config["DATABASE_URL"], TRUSTED_PROXIES=proxies)
    proxied.test_client().post(
        "/api/v1/auth/login",
        json={"username": "wang", "password": "wrong-guess"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
        headers={"X-Forwarded-For": "223.5.5.5"},
    )
    from backend.auth.models import LoginAttempt

    with app.app_context():
        assert db.session.scalar(select(LoginAttempt.ip)) == recorded
    with proxied.app_context():
        db.engine.dispose()


def test_a_success_clears_earlier_failures_of_the_account(client, make_user):
    make_user("landlord", username="wang")
    for _ in range(4):
        client.post("/api/v1/auth/login", json={"username": "wang", "password": "wrong-guess"})
    assert client.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD}).status_code == 200
    for _ in range(4):
        client.post("/api/v1/auth/login", json={"username": "wang", "password": "wrong-guess"})
    assert client.post("/api/v1/auth/login", json={"username": "wang", "password": PASSWORD}).status_code == 200


def test_writes_without_the_csrf_token_are_refused(client, auth, make_user):
    make_user("landlord", username="wang")
    auth.login("wang")
    resp = client.post("/api/v1/auth/logout")
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "csrf_failed"
    assert client.get("/api/v1/me").status_code == 200  # still logged in


def test_form_posts_are_refused_so_no_cross_site_form_can_log_in(client, make_user):
    make_user("landlord", username="wang")
    resp = client.post("/api/v1/auth/login", data={"username": "wang", "password": PASSWORD})
    assert resp.status_code == 403


def test_default_password_hash_is_scrypt(database_template, tmp_path):
    import shutil

    url = database_template
    if not str(url).startswith("postgresql"):
        shutil.copy(url, tmp_path / "db.sqlite")
        url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    app = make_app(url, PASSWORD_HASH_METHOD="scrypt")
    from backend.auth.operations import create_user

    with app.app_context():
        user = create_user("hashcheck", PASSWORD, "landlord")
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash
        db.session.rollback()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("role", "region", "field"),
    [
        ("grid_worker", None, "region"),
        ("supervisor", "999", "region"),
        ("wizard", None, "role"),
    ],
)
def test_create_user_refuses_bad_input_with_field_errors(app, role, region, field):
    from backend.auth.operations import create_user
    from backend.errors import ValidationError

    with app.app_context(), pytest.raises(ValidationError) as exc:
        create_user("x", PASSWORD, role, region)
    assert field in exc.value.fields


def test_users_create_cli(app, runner):
    runner.invoke(args=["regions", "import", "backend/data/divisions-zhejiang.csv"])
    result = runner.invoke(
        args=["users", "create", "li", "--role", "grid_worker", "--region", "330326100"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env={"MENPAI_LANG": "en"},
    )
    assert result.exit_code == 0, result.output
    assert "Created user li (role grid_worker, scope 330326100)" in result.output
    short = runner.invoke(
        args=["users", "create", "li2", "--role", "landlord"], input="short\nshort\n", env={"MENPAI_LANG": "en"}
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
