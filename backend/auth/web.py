"""The web side of sign-in: the signed session cookie, Flask-Login's loader of the server-side session, CSRF for
cookie-authenticated writes."""

import hmac
import time
from collections import OrderedDict

from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature

from backend.auth.operations import load_session
from backend.errors import Forbidden, Unauthorized
from backend.extensions import login_manager

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Login takes JSON only (a cross-site form cannot send it), so it needs no token, even from a logged-in device.
CSRF_EXEMPT = {"/api/v1/auth/login"}


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, with its serializer built once per key set rather than on every request, and
    the cookies it verified remembered (an LRU per key set): a device sends the same cookie with every request, so
    its signature is checked once; its age is checked every time, as Flask does."""

    VERIFIED = 10_000

    def _signing(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = app.extensions.get("menpai.cookie_serializer")
        if cached is None or cached[0] != keys:
            cached = (keys, super().get_signing_serializer(app), OrderedDict())
            app.extensions["menpai.cookie_serializer"] = cached
        return cached[1], cached[2]

    def get_signing_serializer(self, app):
        return self._signing(app)[0] if app.secret_key else None

    def open_session(self, app, request):
        if not app.secret_key:
            return None
        serializer, verified = self._signing(app)
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        hit = verified.get(value)
        if hit is not None and time.time() - hit[1] <= max_age:
            return self.session_class(hit[0])
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        verified[value] = (dict(data), signed.timestamp())
        while len(verified) > self.VERIFIED:
            verified.popitem(last=False)
        return self.session_class(data)


def _unauthorized():
    raise Unauthorized()


def csrf_protect():
    """Writes need a JSON body (a cross-site form cannot send one) and, with a session, its CSRF token."""
    if request.method not in UNSAFE or not request.path.startswith("/api/"):
        return
    if (request.content_length or request.path in CSRF_EXEMPT) and not (
        request.is_json or request.mimetype == "multipart/form-data"
    ):
        raise Forbidden("error.csrf_content_type", code="csrf_failed")
    if current_user.is_authenticated and request.path not in CSRF_EXEMPT:
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent, current_user.session.csrf_token):
            raise Forbidden("error.csrf_token", code="csrf_failed")


def init_app(app):
    app.session_interface = SessionCookies()
    login_manager.init_app(app)
    # Sessions are server-side and revocable; an IP or user-agent change (every mobile network hop) is no reason
    # to treat one differently, and hashing them on every request is not free.
    login_manager.session_protection = None
    login_manager.user_loader(load_session)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(csrf_protect)
