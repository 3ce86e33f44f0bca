"""Bad input stops at the door: the checks every request passes before a view sees it.

One place for what no view should have to think about, each a 4xx in the error shape instead of a 500 deeper down:
- ids in paths are 0 … 2^31-1 (the `int` converter is replaced): a larger one would overflow PostgreSQL's integer;
- no NUL character in the path, the query string or a JSON body: PostgreSQL refuses NUL in text;
- a JSON body is at most JSON_MAX_BYTES (uploads keep MAX_CONTENT_LENGTH) and nests at most JSON_MAX_DEPTH deep:
  json.loads on a 100,000-deep array raises RecursionError, which `get_json(silent=True)` does not catch.
tests/test_bad_input.py guards each of them.
"""

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from backend.errors import MenpaiError

ID_MAX = 2**31 - 1
JSON_MAX_DEPTH = 32
UPLOAD_ENDPOINTS = {"api.photo_upload"}


class IdConverter(IntegerConverter):
    """`<int:…>` in our routes: a database id (0 reaches the view, which finds nothing); larger matches no route."""

    def __init__(self, map, fixed_digits=0, min=0, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _acceptable(value) -> bool:
    """No NUL in any string or key, at most JSON_MAX_DEPTH levels of arrays and objects (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return False
        elif isinstance(node, (list, dict)):
            if depth > JSON_MAX_DEPTH:
                return False
            if isinstance(node, dict):
                if any("\x00" in key for key in node):
                    return False
                node = node.values()
            stack.extend((child, depth + 1) for child in node)
    return True


class JSONProvider(DefaultJSONProvider):
    """Loads a request body; anything too deep or carrying NUL is a ValueError, which Flask answers as a bad body."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if not _acceptable(value):
            raise ValueError("JSON nested too deeply or carrying NUL")
        return value


class PayloadTooLarge(MenpaiError):
    status, code = 413, "payload_too_large"


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True))


def _check_request():
    if _has_nul():
        raise MenpaiError("error.nul_character", code="bad_request")
    if request.endpoint in UPLOAD_ENDPOINTS:
        return
    limit = request.max_content_length = current_app.config["JSON_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge("error.payload_too_large", kb=limit // 1024)


def init_app(app):
    """Before any blueprint is registered: the converter is read when a rule is added."""
    app.url_map.converters["int"] = IdConverter
    ensure_ascii = app.json.ensure_ascii
    app.json = JSONProvider(app)
    app.json.ensure_ascii = ensure_ascii
    app.before_request(_check_request)
