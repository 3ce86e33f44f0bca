"""Sign in with a phone and an SMS code (residents), and the second factor of staff who can read personal data in
clear (backend/auth/phone_signin.py)."""

from contextlib import contextmanager

from flask import after_this_request, request, session
from flask_login import current_user, login_user

from backend.api.routing import route
from backend.auth import devices, phone_signin
from backend.auth import phone_contracts as c
from backend.auth.api import me_json
from backend.auth.models import User
from backend.auth.operations import revoke_sessions, start_session
from backend.errors import MenpaiError
from backend.extensions import db
from backend.types import utcnow


@contextmanager
def kept():
    """What a refused request did stays (the try it cost, the spent code, the audit of both): committed before the
    refusal is answered (the route commits only an answer)."""
    try:
        yield
    except MenpaiError:
        db.session.commit()
        raise


def signed_in(user: User) -> dict:
    """Open the session exactly as the password login does; the answer is the same `Me`."""
    if current_user.is_authenticated:  # signing in again on this device ends the previous session
        revoke_sessions(current_user, "relogin", only=current_user.session)
    start_session(user, request.remote_addr, request.user_agent.string)
    user.last_login_at = utcnow()
    login_user(user)
    cookie = request.cookies.get(devices.COOKIE)
    after_this_request(lambda response: devices.remember(response, cookie, user.id) or response)
    session.pop("_id", None)  # Flask-Login's client fingerprint: unused without session protection (auth/__init__)
    return me_json(user)


@route(
    "/auth/sms-code",
    "POST",
    summary="Send a sign-in code by SMS; the same answer for every phone (202). Limited per phone (1 a minute, "
    "5 an hour, 10 a day), per IP and in all: 429 with Retry-After",
    tag="auth",
    auth=False,
    body=c.SmsCodeRequest,
    response=c.SmsCodeSent,
    status=202,
    errors=(400, 429, 502, 503),
)
def sms_code(body: c.SmsCodeRequest):
    with kept():
        sent = phone_signin.send_login_code(body.phone, request.remote_addr)
    return sent, 202


@route(
    "/auth/sms-login",
    "POST",
    summary="Sign in with the phone and its SMS code; the first sign-in makes the resident's account. Returns the "
    "user and the CSRF token as the password login does; staff accounts are refused (403)",
    tag="auth",
    auth=False,
    body=c.SmsLogin,
    response="Me",
    errors=(400, 401, 403),
)
def sms_login(body: c.SmsLogin):
    with kept():
        user = phone_signin.sign_in_with_code(body.phone, body.code)
    return signed_in(user)


@route(
    "/auth/second-factor",
    "POST",
    summary="Confirm a password sign-in that answered 401 second_factor_required with the code sent to the "
    "registered phone; returns the user and the CSRF token",
    tag="auth",
    auth=False,
    body=c.SecondFactor,
    response="Me",
    errors=(400, 401),
)
def second_factor(body: c.SecondFactor):
    with kept():
        user = phone_signin.confirm_second_factor(body.code)
    return signed_in(user)


def init_app(app):
    """Phone sign-in: SMS codes, residents' accounts, the staff's second factor (routes registered on import)."""
