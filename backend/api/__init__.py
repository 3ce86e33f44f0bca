"""The JSON API under /api/v1: one decorator registers a view and its OpenAPI description."""

import math
from functools import wraps

from flask import Blueprint, request
from flask_login import current_user, login_required

from backend.errors import Forbidden, ValidationError
from backend.idempotency import idempotent as make_idempotent

bp = Blueprint("api", __name__, url_prefix="/api/v1")
root = Blueprint("root", __name__)
DOCS: dict[str, dict] = {}  # endpoint -> OpenAPI operation


def route(
    rule,
    method="GET",
    *,
    summary,
    tag,
    blueprint=bp,
    auth=True,
    roles=None,
    params=(),
    body=None,
    response=None,
    status=200,
    errors=(),
    produces=None,
    idempotent=None,
    personal=False,
):
    """Register fn at rule; auth/roles are enforced here so views only parse, call and serialise.
    personal: the answer holds personal data in clear; an idempotent replay re-runs the view (idempotency.py)."""

    def decorator(fn):
        view = fn
        if roles:

            @wraps(fn)
            def view(*args, **kwargs):
                if current_user.role not in roles:
                    raise Forbidden()
                return fn(*args, **kwargs)

        replayable = (
            idempotent if idempotent is not None else (method != "GET" and bool(auth or roles) and not produces)
        )
        if replayable:
            view = make_idempotent(view, personal=personal)
        if auth or roles:
            view = login_required(view)
        blueprint.add_url_rule(rule, fn.__name__, view, methods=[method])
        DOCS[f"{blueprint.name}.{fn.__name__}"] = {
            "method": method.lower(),
            "summary": summary or fn.__doc__,
            "tag": tag,
            "auth": bool(auth or roles),
            "roles": roles,
            "params": params,
            "body": body,
            "response": response,
            "status": status,
            "errors": errors,
            "produces": produces,
            "idempotent": replayable,
            "personal": personal,
        }
        return view

    return decorator


def json_body() -> dict:
    """The request's JSON object, or a 400 in the error shape."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("error.body_not_json")
    return data


def int_arg(name, default, lo, hi) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(fields={name: "error.not_integer"}) from None
    if not lo <= value <= hi:
        raise ValidationError(fields={name: "error.out_of_range"})
    return value


def float_arg(name) -> float:
    raw = request.args.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationError(fields={name: "error.not_number"}) from None
    if not math.isfinite(value):  # "nan" and "inf" parse, and would reach the geometry
        raise ValidationError(fields={name: "error.not_number"})
    return value


def init_app(app):
    from backend.addresses import api as _addresses  # noqa: F401  (registers routes)
    from backend.api import health as _health  # noqa: F401
    from backend.api import openapi as _openapi  # noqa: F401
    from backend.auth import api as _auth  # noqa: F401
    from backend.cockpit import api as _cockpit  # noqa: F401
    from backend.cockpit import auditlog as _auditlog  # noqa: F401
    from backend.cockpit import views as _cockpit_views  # noqa: F401
    from backend.doorplates import api as _doorplates  # noqa: F401
    from backend.fire import api as _fire  # noqa: F401
    from backend.houses import api as _houses  # noqa: F401
    from backend.notify import api as _notify  # noqa: F401
    from backend.obligations import api as _obligations  # noqa: F401
    from backend.regions import api as _regions  # noqa: F401
    from backend.tenancy import api as _tenancy  # noqa: F401
    from backend.uploads import api as _uploads  # noqa: F401
    from backend.verification import api as _verification  # noqa: F401

    app.register_blueprint(bp)
    app.register_blueprint(root)
