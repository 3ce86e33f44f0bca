"""Login, sessions that the server can revoke, CSRF for cookie-authenticated writes."""

import hmac

from flask import request
from flask_login import current_user

from backend.errors import Forbidden, Unauthorized
from backend.extensions import login_manager

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Login takes JSON only (a cross-site form cannot send it), so it needs no token, even from a logged-in device.
CSRF_EXEMPT = {"/api/v1/auth/login"}


def _load_user(key):
    from backend.auth.operations import load_session

    return load_session(key)


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
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(csrf_protect)

    from backend.auth import cli

    cli.init_app(app)
