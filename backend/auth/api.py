"""Log in and out, the current user, sessions."""

from flask import after_this_request, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from backend.api.routing import route
from backend.auth import cli, devices, sessions, throttle
from backend.auth import contracts as c
from backend.auth.models import User, UserSession
from backend.auth.operations import authenticate, revoke_sessions, start_session
from backend.auth.phone_signin import demand_second_factor
from backend.auth.scope import require_in_scope
from backend.auth.serialise import user_json
from backend.errors import NotFound, Unauthorized
from backend.extensions import db


def me_json(user: User) -> dict:
    # must_change_password: signed in with a one-time password, which POST /me/password replaces (backend/users).
    return {
        "user": user_json(user),
        "csrf_token": user.session.csrf_token,
        "must_change_password": user.must_change_password,
    }


def session_json(sess: UserSession) -> dict:
    return {
        "id": sess.id,
        "created_at": sess.created_at.isoformat(),
        "last_seen_at": sess.last_seen_at.isoformat(),
        "expires_at": sess.expires_at.isoformat(),
        "ip": sess.ip,
        "user_agent": sess.user_agent,
        "current": sess.id == current_user.session.id,
    }


@route(
    "/auth/login",
    "POST",
    summary="Log in; returns the user and the CSRF token for writes",
    tag="auth",
    auth=False,
    body=c.Login,
    response=c.Me,
    errors=(400, 401, 403, 429, 502, 503),  # 401 second_factor_required, 403/502/503: its SMS (phone_signin.py)
)
def login(body: c.Login):
    cookie = request.cookies.get(devices.COOKIE)
    try:
        user = authenticate(body.username, body.password, request.remote_addr or "", devices.accounts(cookie))
    except Unauthorized:
        # The one commit of a failed request: the failed attempt must count towards throttling (the route commits
        # only an answer).
        db.session.commit()
        raise
    demand_second_factor(user, request.remote_addr)  # police, admins: an SMS code first (phone_signin.py)
    if current_user.is_authenticated:  # logging in again on this device ends the previous session
        revoke_sessions(current_user, "relogin", only=current_user.session)
    start_session(user, request.remote_addr, request.user_agent.string)
    login_user(user)
    after_this_request(lambda response: devices.remember(response, cookie, user.id) or response)
    session.pop("_id", None)  # Flask-Login's client fingerprint: unused without session protection (auth/sessions.py)
    return me_json(user)


@route("/auth/logout", "POST", summary="End this session", tag="auth", response=c.Revoked)
def logout():
    count = revoke_sessions(current_user, "logout", only=current_user.session)
    logout_user()
    return {"revoked": count}


@route("/me", summary="The logged-in user and the CSRF token", tag="auth", response=c.Me)
def me():
    return me_json(current_user)


@route("/me/sessions", summary="My live sessions (devices)", tag="auth", response=c.SessionList)
def my_sessions():
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == current_user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.created_at.desc())
    )
    return {"sessions": [session_json(s) for s in rows]}


@route(
    "/me/sessions/<int:session_id>/revoke",
    "POST",
    summary="Log one of my devices out",
    tag="auth",
    response=c.Revoked,
    errors=(404,),
)
def revoke_my_session(session_id):
    sess = db.session.get(UserSession, session_id)
    if sess is None or sess.user_id != current_user.id:
        raise NotFound()
    count = revoke_sessions(current_user, "user", only=sess)
    return {"revoked": count}


@route(
    "/users/<int:user_id>/sessions/revoke",
    "POST",
    summary="Log a user out everywhere",
    tag="auth",
    roles=("admin",),
    response=c.Revoked,
    errors=(404,),
)
def revoke_user_sessions(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.region is not None:
        require_in_scope(current_user, user.region.code)
    count = revoke_sessions(user, "admin", actor=current_user)
    return {"revoked": count}


@route(
    "/users/<int:user_id>/unlock",
    "POST",
    summary="Clear a user's failed logins (every IP), ending any login lockout; audited",
    tag="auth",
    roles=("admin",),
    response=c.Unlocked,
    errors=(404,),
)
def unlock_user(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.region is not None:
        require_in_scope(current_user, user.region.code)
    cleared = throttle.unlock(user, actor=current_user)
    return {"cleared": cleared}


def init_app(app):
    """Accounts and sessions: sign-in, sessions, `flask users`."""
    sessions.init_app(app)
    cli.init_app(app)
