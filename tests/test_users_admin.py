"""Staff administration in the product (#16): admins everywhere, supervisors inside their scope and only for grid
workers, fire officers and police; one-time passwords that must be changed; deactivation that ends sessions at
once; every change in the audit log with its actor."""

import pytest
from sqlalchemy import func, select

from backend.audit import AuditEvent
from backend.auth.models import User, UserSession
from backend.extensions import db
from backend.fastpath import fastscan
from tests.conftest import PASSWORD, PG_URL, Auth, make_app, wait_for

TOWNSHIP, GRID, OTHER_GRID, COUNTY = "330326100", "330326100001001", "330326101001001", "330326"
MANAGED = ("grid_worker", "fire_officer", "police")
ABOVE = ("supervisor", "admin")
# Where an account is asked for, seen from the supervisor of 昆阳镇 (330326100).
SCOPES = {"grid": GRID, "township": TOWNSHIP, "outside": OTHER_GRID, "above": COUNTY}


def count(app, model=User, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events(app, action) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def user_id(app, username) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


@pytest.fixture
def supervisor(world, login_as):
    return login_as("supervisor", TOWNSHIP, username="sup")


@pytest.fixture
def admin(world, login_as):
    return login_as("admin", username="root")


@pytest.fixture
def staff(world, make_user, app):
    """A grid worker of 西门第1网格 (in the supervisor's scope), one of 鳌江镇 (outside), a fellow supervisor and an
    admin of the township, a landlord: their ids."""
    from backend.auth.operations import create_user

    with app.app_context():
        made = {
            "worker": create_user("worker-in", PASSWORD, "grid_worker", GRID, "王网格", phone="13912345678"),
            "outside": create_user("worker-out", PASSWORD, "grid_worker", OTHER_GRID),
            "peer": create_user("sup-peer", PASSWORD, "supervisor", TOWNSHIP),
            "town_admin": create_user("admin-town", PASSWORD, "admin", TOWNSHIP),
            "landlord": create_user("landlord-x", PASSWORD, "landlord"),
        }
        db.session.commit()
        return {k: u.id for k, u in made.items()}


def patch(auth, url, json):
    return auth.client.patch(url, json=json, headers={"X-CSRF-Token": auth.csrf or ""})


def new_account(role, scope, n=[0]):  # noqa: B006 - a counter for unique usernames
    n[0] += 1
    return {"username": f"new-{role}-{scope}-{n[0]}", "role": role, "region": SCOPES[scope], "phone": None}


# ---- who may create whom ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", MANAGED + ABOVE)
def test_a_supervisor_creates_grid_workers_fire_officers_and_police_of_their_scope_only(app, supervisor, role, scope):
    before, made = count(app), len(events(app, "user.create"))
    resp = supervisor.post("/api/v1/users", json=new_account(role, scope))
    if role in ABOVE:
        assert resp.status_code == 403, resp.get_json()  # never an admin or a supervisor, wherever
        assert "role" in resp.get_json()["error"]["fields"]
    elif scope in ("outside", "above"):
        assert resp.status_code == 404, resp.get_json()  # a region beside or above theirs is not theirs to name
        assert "region" in resp.get_json()["error"]["fields"]
    else:
        assert resp.status_code == 201, resp.get_json()
        body = resp.get_json()
        assert body["user"]["role"] == role and body["user"]["region"]["code"] == SCOPES[scope]
        assert body["user"]["must_change_password"] is True and len(body["password"]) == 19
        assert count(app) == before + 1
        (event,) = events(app, "user.create")[-1:]
        assert event.actor_id == user_id(app, "sup") and event.region_code == SCOPES[scope]
        return
    assert count(app) == before
    assert len(events(app, "user.create")) == made


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", MANAGED + ABOVE)
def test_an_admin_creates_any_staff_account_anywhere(app, admin, role, scope):
    resp = admin.post("/api/v1/users", json=new_account(role, scope))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["user"]["region"]["code"] == SCOPES[scope]


def test_an_admin_for_everywhere_is_made_only_by_an_admin_for_everywhere(app, admin, staff, login_as):
    body = {"username": "new-root", "role": "admin"}
    assert admin.post("/api/v1/users", json=body).status_code == 201
    town_admin = Auth(app.test_client())
    assert town_admin.login("admin-town").status_code == 200
    resp = town_admin.post("/api/v1/users", json={"username": "new-root-2", "role": "admin"})
    assert resp.status_code == 400 and "region" in resp.get_json()["error"]["fields"]
    assert town_admin.post("/api/v1/users", json={**body, "username": "new-town", "region": GRID}).status_code == 201
    assert (
        town_admin.post("/api/v1/users", json={**body, "username": "new-far", "region": OTHER_GRID}).status_code == 404
    )


def test_residents_and_unknown_roles_are_not_made_here(app, admin):
    for role in ("landlord", "tenant", "resident", "king"):
        resp = admin.post("/api/v1/users", json={"username": f"x-{role}", "role": role, "region": GRID})
        assert resp.status_code == 400 and "role" in resp.get_json()["error"]["fields"]


def test_creation_refuses_a_bad_username_phone_and_a_taken_one(app, admin, staff):
    bad = admin.post("/api/v1/users", json={"username": "有空 格", "role": "police", "region": TOWNSHIP})
    assert bad.status_code == 400 and "username" in bad.get_json()["error"]["fields"]
    phone = admin.post("/api/v1/users", json={"username": "p1", "role": "police", "region": TOWNSHIP, "phone": "123"})
    assert phone.status_code == 400 and "phone" in phone.get_json()["error"]["fields"]
    taken = admin.post("/api/v1/users", json={"username": "Worker-In", "role": "police", "region": TOWNSHIP})
    assert taken.status_code == 409 and "username" in taken.get_json()["error"]["fields"]
    same = {"username": "p2", "role": "police", "region": TOWNSHIP, "phone": "139 1234 5678"}
    resp = admin.post("/api/v1/users", json=same)
    assert resp.status_code == 409 and "phone" in resp.get_json()["error"]["fields"]
    assert count(app) == 6  # the five of `staff` and the admin


# ---- who may change whom ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "status"),
    [("worker", 200), ("outside", 404), ("peer", 403), ("town_admin", 403), ("landlord", 404)],
)
def test_a_supervisor_changes_and_resets_only_what_they_may_create(app, supervisor, staff, target, status):
    url = f"/api/v1/users/{staff[target]}"
    assert patch(supervisor, url, {"display_name": "新名字"}).status_code == status
    assert supervisor.post(f"{url}/reset-password").status_code == status
    assert supervisor.post(f"{url}/reveal-phone").status_code == status
    assert count(app, AuditEvent, AuditEvent.action.in_(("user.update", "user.password_reset"))) == (
        2 if status == 200 else 0
    )


@pytest.mark.parametrize("target", ["worker", "outside", "peer", "town_admin"])
def test_an_admin_changes_any_staff_account(app, admin, staff, target):
    url = f"/api/v1/users/{staff[target]}"
    resp = patch(admin, url, {"display_name": "新名字", "region": OTHER_GRID if target == "worker" else None})
    assert resp.status_code == 200 and resp.get_json()["display_name"] == "新名字"
    assert admin.post(f"{url}/reset-password").status_code == 200
    assert patch(admin, f"/api/v1/users/{staff['landlord']}", {"display_name": "x"}).status_code == 404


def test_a_supervisor_cannot_move_an_account_out_of_their_scope(app, supervisor, staff):
    url = f"/api/v1/users/{staff['worker']}"
    for code in (OTHER_GRID, COUNTY, "999"):
        assert patch(supervisor, url, {"region": code}).status_code == 404
    moved = patch(supervisor, url, {"region": "330326100002001"})
    assert moved.status_code == 200 and moved.get_json()["region"]["code"] == "330326100002001"
    (event,) = events(app, "user.update")
    assert event.details == {"fields": ["region"], "region_from": GRID, "region_to": "330326100002001"}
    assert event.region_code == "330326100002001" and event.actor_id == user_id(app, "sup")


def test_a_changed_phone_is_sealed_masked_and_read_in_clear_only_with_an_audit_event(app, supervisor, staff):
    url = f"/api/v1/users/{staff['worker']}"
    resp = patch(supervisor, url, {"phone": "+86 138-0013-8000"})
    assert resp.status_code == 200 and resp.get_json()["phone"] == "138****8000"
    with app.app_context():
        stored = db.session.get(User, staff["worker"])
        assert "13800138000" not in stored.phone_enc and stored.phone_index
    (event,) = events(app, "user.update")
    assert event.details == {"fields": ["phone"]}  # that it changed, never the number
    assert events(app, "user.phone_read") == []
    clear = supervisor.post(f"{url}/reveal-phone")
    assert clear.status_code == 200 and clear.get_json() == {"phone": "13800138000"}
    assert clear.headers["Cache-Control"] == "no-store"
    (read,) = events(app, "user.phone_read")
    assert read.actor_id == user_id(app, "sup") and read.target_id == str(staff["worker"])
    taken = supervisor.post("/api/v1/users", json={"username": "w9", "role": "police", "region": TOWNSHIP})
    assert taken.status_code == 201
    again = patch(supervisor, f"/api/v1/users/{taken.get_json()['user']['id']}", {"phone": "13800138000"})
    assert again.status_code == 409 and "phone" in again.get_json()["error"]["fields"]


def test_an_admin_neither_deactivates_nor_resets_themselves(app, admin):
    me = user_id(app, "root")
    assert patch(admin, f"/api/v1/users/{me}", {"active": False}).status_code == 409
    assert admin.post(f"/api/v1/users/{me}/reset-password").status_code == 409
    assert admin.client.get("/api/v1/me").status_code == 200


# ---- the list ---------------------------------------------------------------------------------------------------


def test_the_list_shows_the_staff_of_my_scope_with_sign_in_and_sessions(app, supervisor, admin, staff):
    worker = Auth(app.test_client())
    assert worker.login("worker-in").status_code == 200
    assert Auth(app.test_client()).login("worker-in").status_code == 200
    listed = supervisor.client.get("/api/v1/users").get_json()
    assert [u["username"] for u in listed["users"]] == ["worker-in"] and listed["total"] == 1
    (row,) = listed["users"]
    assert row["phone"] == "139****5678" and row["sessions"] == 2 and row["last_login_at"]
    assert row["region"] == {"code": GRID, "name": "西门第1网格", "level": "grid"} and row["active"] is True
    everyone = admin.client.get("/api/v1/users").get_json()
    assert {u["username"] for u in everyone["users"]} == {
        "worker-in",
        "worker-out",
        "sup-peer",
        "admin-town",
        "sup",
        "root",
    }
    assert "landlord-x" not in str(everyone)
    page = admin.client.get("/api/v1/users?limit=2&offset=2").get_json()
    assert page["total"] == 6 and len(page["users"]) == 2
    assert admin.client.get("/api/v1/users?role=supervisor").get_json()["total"] == 2
    assert admin.client.get("/api/v1/users?q=WORKER").get_json()["total"] == 2
    assert admin.client.get("/api/v1/users?q=王网").get_json()["total"] == 1
    assert admin.client.get("/api/v1/users?q=%25").get_json()["total"] == 0  # a LIKE wildcard is a character
    assert admin.client.get(f"/api/v1/users?region={OTHER_GRID}").get_json()["total"] == 1
    patch(admin, f"/api/v1/users/{staff['worker']}", {"active": False})
    assert admin.client.get("/api/v1/users?active=false").get_json()["total"] == 1
    assert supervisor.client.get("/api/v1/users?role=supervisor").status_code == 400
    assert supervisor.client.get(f"/api/v1/users?region={OTHER_GRID}").status_code == 404
    assert supervisor.client.get("/api/v1/users?active=maybe").status_code == 400


# ---- one-time passwords ----------------------------------------------------------------------------------------


def test_a_one_time_password_must_be_changed_before_anything_else(app, supervisor):
    made = supervisor.post("/api/v1/users", json={"username": "fresh", "role": "grid_worker", "region": GRID})
    password = made.get_json()["password"]
    assert made.headers["Cache-Control"] == "no-store"
    worker = Auth(app.test_client())
    login = worker.login("fresh", password)
    assert login.status_code == 200 and login.get_json()["must_change_password"] is True
    refused = worker.client.get("/api/v1/tasks")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "password_change_required"
    assert worker.client.get("/api/v1/me").get_json()["must_change_password"] is True
    wrong = worker.post("/api/v1/me/password", json={"current": "guess-guess-guess", "new": "my own password"})
    assert wrong.status_code == 400 and "current" in wrong.get_json()["error"]["fields"]
    short = worker.post("/api/v1/me/password", json={"current": password, "new": "short"})
    assert short.status_code == 400 and "new" in short.get_json()["error"]["fields"]
    same = worker.post("/api/v1/me/password", json={"current": password, "new": password})
    assert same.status_code == 400 and "new" in same.get_json()["error"]["fields"]
    other = Auth(app.test_client())
    assert other.login("fresh", password).status_code == 200  # a second device, ended by the change
    done = worker.post("/api/v1/me/password", json={"current": password, "new": "my own password"})
    assert done.status_code == 200 and done.get_json() == {"revoked": 1}
    assert worker.client.get("/api/v1/tasks").status_code == 200
    assert worker.client.get("/api/v1/me").get_json()["must_change_password"] is False
    assert other.client.get("/api/v1/me").status_code == 401
    assert Auth(app.test_client()).login("fresh", password).status_code == 401
    assert Auth(app.test_client()).login("fresh", "my own password").get_json()["must_change_password"] is False
    (change,) = events(app, "user.password_change")
    assert change.actor_id == user_id(app, "fresh") and change.details == {"one_time": True}
    with app.app_context():
        assert password not in str(db.session.scalars(select(AuditEvent.details)).all())


def test_a_reset_ends_the_sessions_and_sets_a_one_time_password(app, supervisor, staff):
    worker = Auth(app.test_client())
    assert worker.login("worker-in").status_code == 200
    reset = supervisor.post(f"/api/v1/users/{staff['worker']}/reset-password")
    assert reset.status_code == 200 and reset.get_json()["revoked"] == 1
    assert reset.headers["Cache-Control"] == "no-store"
    assert worker.client.get("/api/v1/me").status_code == 401  # the old cookie is anonymous at once
    assert Auth(app.test_client()).login("worker-in").status_code == 401  # the old password is gone
    again = Auth(app.test_client())
    assert again.login("worker-in", reset.get_json()["password"]).get_json()["must_change_password"] is True
    (event,) = events(app, "user.password_reset")
    assert event.actor_id == user_id(app, "sup") and event.region_code == GRID
    with app.app_context():
        stored = db.session.get(User, staff["worker"])
        assert stored.password_hash.startswith("pbkdf2:") and reset.get_json()["password"] not in stored.password_hash


def test_a_wrong_current_password_counts_towards_the_login_throttle(app, world, login_as):
    app.config.update(LOGIN_FREE_FAILURES=1, LOGIN_BACKOFF_SECONDS=60)
    worker = login_as("grid_worker", GRID, username="guessed")
    for _ in range(1):
        assert worker.post("/api/v1/me/password", json={"current": "x" * 12, "new": "y" * 12}).status_code == 400
    slowed = worker.post("/api/v1/me/password", json={"current": PASSWORD, "new": "y" * 12})
    assert slowed.status_code == 429 and slowed.headers["Retry-After"]


# ---- deactivation ----------------------------------------------------------------------------------------------


def test_deactivation_ends_the_sessions_at_once_and_reactivation_lets_them_sign_in_again(app, supervisor, staff):
    worker = Auth(app.test_client())
    assert worker.login("worker-in").status_code == 200
    assert worker.client.get("/api/v1/tasks").status_code == 200
    off = patch(supervisor, f"/api/v1/users/{staff['worker']}", {"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False and off.get_json()["sessions"] == 0
    assert worker.client.get("/api/v1/tasks").status_code == 401  # the old cookie, at once
    assert Auth(app.test_client()).login("worker-in").status_code == 401
    assert count(app, UserSession, UserSession.revoked_reason == "deactivated") == 1
    (event,) = events(app, "user.deactivate")
    assert event.actor_id == user_id(app, "sup") and event.region_code == GRID
    assert patch(supervisor, f"/api/v1/users/{staff['worker']}", {"active": True}).status_code == 200
    assert Auth(app.test_client()).login("worker-in").status_code == 200
    assert len(events(app, "user.reactivate")) == 1


@pytest.mark.skipif(not PG_URL, reason="the session cache and its NOTIFY are PostgreSQL's")
def test_deactivation_ends_a_cached_session_at_once_here_and_soon_in_another_worker(app, supervisor, staff):
    app.config.update(SESSION_CACHE_ENTRIES=100)
    worker = Auth(app.test_client())
    assert worker.login("worker-in").status_code == 200
    other = make_app(PG_URL, SESSION_CACHE_ENTRIES=100)
    try:
        other.secret_key = app.secret_key
        reader = other.test_client()
        reader.set_cookie("menpai_session", worker.client.get_cookie("menpai_session").value)
        assert wait_for(lambda: reader.get("/api/v1/me").status_code == 200)
        assert worker.client.get("/api/v1/me").status_code == 200  # cached here too
        assert patch(supervisor, f"/api/v1/users/{staff['worker']}", {"active": False}).status_code == 200
        assert worker.client.get("/api/v1/me").status_code == 401
        assert wait_for(lambda: reader.get("/api/v1/me").status_code == 401)
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        fastscan.dispose(other)


def test_every_change_is_audited_with_its_actor(app, admin, staff):
    url = f"/api/v1/users/{staff['worker']}"
    patch(admin, url, {"display_name": "改名", "phone": "13700000000"})
    patch(admin, url, {"display_name": "改名"})  # nothing changes: nothing written
    patch(admin, url, {"active": False})
    patch(admin, url, {"active": True})
    admin.post(f"{url}/reset-password")
    root = user_id(app, "root")
    actions = ["user.update", "user.deactivate", "user.reactivate", "user.password_reset"]
    for action in actions:
        (event,) = events(app, action)
        assert event.actor_id == root and event.actor_role == "admin"
        assert event.target_type == "users" and event.target_id == str(staff["worker"])
        assert event.region_code == GRID
    assert events(app, "user.update")[0].details == {"fields": ["display_name", "phone"]}
    with app.app_context():
        assert "13700000000" not in str(db.session.scalars(select(AuditEvent.details)).all())


def test_the_last_sign_in_is_kept(app, world, make_user):
    make_user("police", TOWNSHIP, username="cop")
    assert Auth(app.test_client()).login("cop").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.last_login_at).where(User.username == "cop")) is not None
