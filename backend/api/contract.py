"""One declaration per request and response body: a pydantic model validates the request and its JSON Schema is the
API document's (backend/api/openapi.py). This is the one place that maps validation failures onto our error shape
(`{"error": {"code": "validation_failed", "fields": {name: "error.*"}}}`).

A request body (`Body`):
- keys it does not name are ignored; a key whose value is null or "" is absent (as a form field left empty);
- strings are trimmed before their length is checked; numbers, booleans and strings are never converted into one
  another (strict: `"5"` is not an integer, `true` is not a number);
- a field can name the error key it reports (`Keys("error.not_id_list")`, or one key per failure type), and a
  validator raises `fail("error.…")` for a domain rule (an ID number's checksum, a reason too short).

A response body (`Reply`) documents every field an answer carries (additionalProperties: false); the permission
matrix test validates every 2xx answer against the document, so a field added to an answer without its declaration
fails there.
"""

from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from backend.errors import ValidationError

ID_MAX = 2**31 - 1  # a database integer id (backend/guards.py)
CUSTOM = "menpai"  # the error type of fail(): its message is the error key


class Keys:
    """Field metadata: the error key(s) this field reports. One key for every failure, or one per pydantic error
    type (`Keys(string_too_short="error.reason_too_short")`). Errors inside the field (a list's items, a nested
    object's fields) are reported against the field itself when it names a single key."""

    def __init__(self, key: str | None = None, **by_type: str):
        self.key, self.by_type = key, by_type


def fail(key: str, field: str | None = None):
    """Raise from a validator: the field fails with this error key (`field` names it from a model validator)."""
    raise PydanticCustomError(CUSTOM, key, {"field": field} if field else None)


# Pydantic's error types -> our keys (translations error.*).
_KEYS = {
    "missing": "error.required",
    "string_type": "error.not_string",
    "string_too_long": "error.too_long",
    "string_too_short": "error.required",
    "literal_error": "error.not_a_choice",
    "enum": "error.not_a_choice",
    "int_type": "error.not_integer",
    "int_parsing": "error.not_integer",
    "int_from_float": "error.not_integer",
    "float_type": "error.not_number",
    "float_parsing": "error.not_number",
    "finite_number": "error.not_number",
    "bool_type": "error.not_boolean",
    "greater_than_equal": "error.out_of_range",
    "less_than_equal": "error.out_of_range",
    "greater_than": "error.out_of_range",
    "less_than": "error.out_of_range",
    "list_type": "error.not_a_list",
    "too_long": "error.too_many",
    "too_short": "error.required",
    "dict_type": "error.not_an_object",
    "model_type": "error.not_an_object",
    "model_attributes_type": "error.not_an_object",
    "date_type": "error.not_date",
    "date_parsing": "error.not_date",
    "date_from_datetime_parsing": "error.not_date",
}


def _field_keys(model: type[BaseModel], name) -> Keys | None:
    info = model.model_fields.get(name) if isinstance(name, str) else None
    if info is None:
        return None
    return next((m for m in info.metadata if isinstance(m, Keys)), None)


def errors_of(model: type[BaseModel], err: PydanticValidationError) -> dict[str, str]:
    """Field name (dotted for nested places) -> error key, first failure per field."""
    out: dict[str, str] = {}
    for e in err.errors(include_url=False):
        loc = e["loc"]
        keys = _field_keys(model, loc[0]) if loc else None
        if e["type"] == CUSTOM:
            key = e["msg"]
            loc = (e["ctx"]["field"],) if e.get("ctx", {}).get("field") else loc
        elif keys and keys.by_type.get(e["type"]):
            key = keys.by_type[e["type"]]
        elif keys and keys.key:
            key, loc = keys.key, loc[:1]
        else:
            key = _KEYS.get(e["type"], "error.invalid")
        name = ".".join(str(part) for part in loc) or "body"
        out.setdefault(name, key)
    return out


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """data validated as model, or a ValidationError (400) naming every bad field."""
    if not isinstance(data, dict):
        raise ValidationError("error.body_not_json")
    try:
        return model.model_validate(data)
    except PydanticValidationError as err:
        raise ValidationError(fields=errors_of(model, err)) from None


def _absent_when_empty(value):
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None and v != ""}
    return value


class Body(BaseModel):
    """A request body (see the module's docstring)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, value):
        return _absent_when_empty(value)

    def given(self) -> dict:
        """The fields the client sent (for a partial update)."""
        return self.model_dump(include=self.model_fields_set)


class Idempotent(Body):
    """A write the app may send again: `client_id` (or the Idempotency-Key header) makes a replay return the first
    answer (backend/idempotency.py checks it before the body is read)."""

    client_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{8,64}$", max_length=64)] | None = None


class Reply(BaseModel):
    """A response body: what an answer carries, documented exactly."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Reply):
    code: str
    message: str
    fields: Annotated[dict[str, str], Field(description="field name -> what is wrong with it")]


class Error(Reply):
    """Every error answer: {"error": {"code", "message", "fields"}} (backend/errors.py)."""

    error: ErrorDetail


# ---- field types ----------------------------------------------------------------------------------------------


def Text(max_length: int, min_length: int | None = None, **keys: str):
    """A free text, trimmed, at most max_length characters."""
    meta = [StringConstraints(strip_whitespace=True, max_length=max_length, min_length=min_length)]
    return Annotated[StrictStr, *meta, *([Keys(**keys)] if keys else [])]


def Int(lo: int, hi: int):
    return Annotated[StrictInt, Field(ge=lo, le=hi)]


def Number(lo: float, hi: float):
    return Annotated[StrictFloat, Field(ge=lo, le=hi)]


Id = Annotated[StrictInt, Field(ge=1, le=ID_MAX)]
Bool = StrictBool


def _iso_date(value):
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        fail("error.not_date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail("error.not_date")


IsoDate = Annotated[date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]


def Ids(max_items: int = 20):
    """A list of database ids, duplicates dropped (first kept)."""
    return Annotated[
        list[Id],
        Field(max_length=max_items),
        AfterValidator(lambda v: list(dict.fromkeys(v))),
        Keys("error.not_id_list"),
    ]


def Texts(max_items: int = 20, max_length: int = 200):
    """A list of non-empty texts."""
    item = Annotated[StrictStr, StringConstraints(min_length=1, max_length=max_length)]
    return Annotated[list[item], Field(max_length=max_items), Keys("error.not_string_list")]
