"""Domain errors and the one place that turns them into the API's JSON error shape."""

from flask import jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from backend.extensions import db
from backend.i18n import t


class MenpaiError(Exception):
    """A domain error with a stable code, a translated message and optional per-field reasons."""

    status = 400
    code = "bad_request"

    def __init__(self, message_key=None, *, code=None, fields=None, status=None, headers=None, **params):
        self.code = code or self.code
        self.message_key = message_key or f"error.{self.code}"
        self.params = params
        self.fields = fields or {}
        self.status = status or self.status
        self.headers = headers or {}
        super().__init__(self.message_key)

    @property
    def message(self):
        return t(self.message_key, **self.params)


class ValidationError(MenpaiError):
    status, code = 400, "validation_failed"


class Unauthorized(MenpaiError):
    status, code = 401, "unauthorized"


class Forbidden(MenpaiError):
    status, code = 403, "forbidden"


class NotFound(MenpaiError):
    status, code = 404, "not_found"


class Conflict(MenpaiError):
    status, code = 409, "conflict"


class TooManyAttempts(MenpaiError):
    status, code = 429, "too_many_attempts"


def error_response(code, message, status, fields=None, headers=None):
    """The JSON error envelope: {"error": {"code", "message", "fields"}}."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status, headers or {}


def _wants_json():
    return request.path.startswith("/api/") or request.path == "/healthz"


def init_app(app):
    @app.errorhandler(MenpaiError)
    def _domain_error(err):
        fields = {k: t(v, **err.params) if v.startswith(("error.", "reject.")) else v for k, v in err.fields.items()}
        return error_response(err.code, err.message, err.status, fields, err.headers)

    @app.errorhandler(IntegrityError)
    def _constraint(err):
        # The database refused a write another request made first (a unique or capacity constraint): nothing of
        # this request is kept, and the client learns it conflicts rather than that the server broke.
        db.session.rollback()
        app.logger.info("constraint refused a write: %s", err.orig)
        return error_response("conflict", t("error.conflict"), 409)

    @app.errorhandler(HTTPException)
    def _http_error(err):
        if not _wants_json():
            return err
        code = (err.name or "error").lower().replace(" ", "_")
        return error_response(code, t(f"error.http.{err.code}", default=err.description), err.code)

    @app.errorhandler(Exception)
    def _unexpected(err):
        app.logger.exception("unhandled error")
        if not _wants_json():
            return t("error.internal"), 500
        return error_response("internal_error", t("error.internal"), 500)
