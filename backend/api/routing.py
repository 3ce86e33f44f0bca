"""The JSON API under /api/v1: one decorator registers a view, enforces sign-in and roles, validates the request
body against its declaration, commits, and records the operation for the API document. A leaf: it imports no
feature, every feature imports it."""

import inspect
import math
from functools import wraps

from flask import Blueprint, request
from flask_login import current_user, login_required
from pydantic import BaseModel

from backend.api.contract import parse
from backend.auth.capacity import role_allows
from backend.errors import Forbidden, ValidationError
from backend.extensions import db
from backend.idempotency import idempotent as make_idempotent

bp = Blueprint("api", __name__, url_prefix="/api/v1")
root = Blueprint("root", __name__)
DOCS: dict[str, dict] = {}  # endpoint -> OpenAPI operation
MODELS: dict[str, type[BaseModel]] = {}  # schema name -> the model that declares it


def declare(model: type[BaseModel] | str | None) -> str | None:
    """The schema name of a body or response declaration, the model remembered for the document."""
    if model is None or isinstance(model, str):
        return model
    name = model.__name__
    if MODELS.setdefault(name, model) is not model:
        raise RuntimeError(f"two models are named {name}: {MODELS[name].__module__} and {model.__module__}")
    return name


def _optional(model: type[BaseModel]) -> bool:
    return not any(f.is_required() for f in model.model_fields.values())


def request_body(model: type[BaseModel]):
    """The request's JSON validated as model. A body every field of which is optional may be left out."""
    data = request.get_json(silent=True)
    if data is None and not request.get_data(cache=True) and _optional(model):
        data = {}
    return parse(model, data)


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
    commit=True,
):
    """Register fn at rule; auth/roles are enforced and the body validated here so views only call and serialise.

    body: a `contract.Body` model: the view receives it validated as its `body` argument.
    response: a `contract.Reply` model documenting the answer.
    commit: the session is committed when the view returns (False for a streamed answer that commits itself).
    personal: the answer holds personal data in clear; an idempotent replay re-runs the view (idempotency.py)."""
    doc = {
        "method": method.lower(),
        "tag": tag,
        "auth": bool(auth or roles),
        "roles": roles,
        "params": params,
        "body": declare(body),
        "response": declare(response),
        "status": status,
        "errors": errors,
        "produces": produces,
        "idempotent": (
            idempotent if idempotent is not None else (method != "GET" and bool(auth or roles) and not produces)
        ),
        "personal": personal,
    }

    def decorator(fn):
        view = _guarded(fn, roles, body, commit)
        if doc["idempotent"]:
            view = make_idempotent(view, personal=personal)
        if doc["auth"]:
            view = login_required(view)
        blueprint.add_url_rule(rule, fn.__name__, view, methods=[method])
        DOCS[f"{blueprint.name}.{fn.__name__}"] = {**doc, "summary": summary or fn.__doc__}
        return view

    return decorator


def _guarded(fn, roles, body, commit):
    """fn behind the role check, given its validated body, its work committed when it returns."""
    takes_body = isinstance(body, type) and "body" in inspect.signature(fn).parameters

    @wraps(fn)
    def view(*args, **kwargs):
        if roles and not role_allows(current_user.role, roles):
            raise Forbidden()
        if takes_body:
            kwargs["body"] = request_body(body)
        out = fn(*args, **kwargs)
        if commit:
            db.session.commit()
        return out

    return view


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
    """Register the API's blueprints: call after every feature module has been imported (its routes declared)."""
    app.register_blueprint(bp)
    app.register_blueprint(root)
