"""GET /api/openapi.json: an OpenAPI 3.1 document built from the registered routes."""

import re
from typing import Annotated, Any, Literal

from flask import current_app
from pydantic import Field
from pydantic.json_schema import models_json_schema
from werkzeug.routing import IntegerConverter

from backend.api.contract import Error, Reply
from backend.api.routing import DOCS, MODELS, declare, root, route

_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _operation(endpoint: str, doc: dict, rule) -> dict:
    op = {"tags": [doc["tag"]], "summary": doc["summary"], "operationId": endpoint.replace(".", "_")}
    params = [{"name": n, "in": "path", "required": True, "schema": _path_schema(rule, n)} for n in rule.arguments]
    params += [
        {"name": name, "in": "query", "required": required, "description": desc, "schema": {"type": typ, **more[0]}}
        for name, typ, required, desc, *more in ((*p, {}) for p in doc["params"])
    ]
    if doc.get("idempotent"):
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "A client-generated id (8–64 of A-Z a-z 0-9 _ . : -), or `client_id` in the body: "
                "a replay returns the first result; the same id with another payload is a 409.",
                "schema": {"type": "string"},
            }
        )
    if params:
        op["parameters"] = params
    if doc["body"]:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(doc["body"])}}}
    ok = {"description": "OK"}
    if doc["response"]:
        ok["content"] = {"application/json": {"schema": _ref(doc["response"])}}
    for media in doc["produces"] or ():
        ok.setdefault("content", {})[media] = {"schema": {"type": "string", "format": "binary"}}
    op["responses"] = {str(doc["status"]): ok}
    # Signed in: a session with a one-time password is refused everything but choosing a new one (403
    # password_change_required, backend/users/api.py); a role outside `roles` is a 403 too.
    codes = set(doc["errors"]) | ({401, 403} if doc["auth"] else set()) | ({403} if doc["roles"] else set())
    # Any request: a NUL in its path or query is a 400 (backend/guards.py); a body too large a 413; a path naming
    # nothing a 404.
    codes |= {400} | ({413} if doc["body"] else set()) | ({404} if rule.arguments else set())
    for code in sorted(codes):
        op["responses"][str(code)] = {"$ref": "#/components/responses/Error"}
    if doc["auth"]:
        op["security"] = [{"session": []}]
    if doc["roles"]:
        op["description"] = "Roles: " + ", ".join(doc["roles"])
    return op


def _path_schema(rule, name) -> dict:
    converter = rule._converters.get(name)
    if isinstance(converter, IntegerConverter):  # backend/guards.py IdConverter: a database id
        return {"type": "integer", "minimum": converter.min, "maximum": converter.max}
    return {"type": "string"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


declare(Error)  # every operation's error answers refer to it


def model_schemas() -> dict:
    """The JSON Schema of every declared request and response model, by name, referring to each other."""
    if not MODELS:
        return {}
    _, top = models_json_schema(
        [(m, "validation") for m in MODELS.values()], ref_template="#/components/schemas/{model}"
    )
    return {name: _tidy(schema) for name, schema in top.get("$defs", {}).items()}


def _tidy(schema):
    """OpenAPI 3.1 as people write it: `{"type": ["string", "null"], "maxLength": 40}` for an optional text rather
    than pydantic's anyOf of two, and no generated titles."""
    if isinstance(schema, list):
        return [_tidy(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs", "patternProperties"):
            out[key] = {name: _tidy(child) for name, child in value.items()}
        else:
            out[key] = _tidy(value)
    alts = out.get("anyOf")
    if isinstance(alts, list) and len(alts) == 2 and {"type": "null"} in alts:
        (other,) = [a for a in alts if a != {"type": "null"}]
        if isinstance(other.get("type"), str):
            out.pop("anyOf")
            merged = {**other, "type": [other["type"], "null"]}
            if "enum" in merged:
                merged["enum"] = [*merged["enum"], None]
            out = {**merged, **out}
    if "default" in out and out["default"] is None and "null" not in (out.get("type") or ()):
        out.pop("default")  # a field that may be absent from an answer, never null
    return out


def build_spec(app) -> dict:
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc = DOCS.get(rule.endpoint)
        if doc is None:
            continue
        path = _PARAM.sub(r"{\1}", rule.rule)
        paths.setdefault(path, {})[doc["method"]] = _operation(rule.endpoint, doc, rule)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Menpai API", "version": "1", "description": "门牌: QR doorplates and the rental loop."},
        "servers": [{"url": app.config["PUBLIC_BASE_URL"]}],
        "paths": paths,
        "components": {
            "schemas": model_schemas(),
            "responses": {
                "Error": {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
            },
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": app.config["SESSION_COOKIE_NAME"],
                    "description": "Writes also need the X-CSRF-Token header from /api/v1/auth/login.",
                }
            },
        },
    }


class ApiInfo(Reply):
    title: str
    version: str
    description: str


class ApiServer(Reply):
    url: str


class ApiDocument(Reply):
    """An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)."""

    openapi: Literal["3.1.0"]
    info: ApiInfo
    servers: list[ApiServer]
    paths: Annotated[dict[str, dict[str, dict[str, Any]]], Field(description="path -> method -> operation")]
    components: dict[str, dict[str, Any]]


@route("/api/openapi.json", summary="This document", tag="system", blueprint=root, auth=False, response=ApiDocument)
def openapi_json():
    return build_spec(current_app._get_current_object())


def init_app(app):
    """The routes above are registered on import."""
