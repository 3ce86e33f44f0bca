"""Staff administration: list, create, change, deactivate, reset and import the staff accounts of my scope; choose
my own password (required after a one-time one)."""

from flask import Response, current_app, request
from flask_login import current_user

from backend.api.contract import parse
from backend.api.routing import int_arg, route
from backend.errors import Forbidden, MenpaiError, ValidationError
from backend.i18n import t
from backend.rejects import ImportRejected
from backend.tabular import Upload
from backend.users import cli, importer
from backend.users import contracts as c
from backend.users import operations as ops

MANAGERS = ("supervisor", "admin")
# With a one-time password set, a session may only see who it is, choose a password, or end.
WHILE_CHANGING = {"api.me", "api.change_password", "api.logout", "api.login", "root.openapi_json"}
SECRET = {"Cache-Control": "no-store"}  # answers carrying a one-time password
BOOLEANS = {"1": True, "true": True, "0": False, "false": False}
LIST_PARAMS = [
    ("role", "string", False, "grid_worker, fire_officer, police (and, for an admin, supervisor, admin)"),
    ("region", "string", False, "a region code inside your scope: accounts there and below"),
    ("q", "string", False, "part of the username or display name"),
    ("active", "boolean", False, "true: active accounts only; false: deactivated only"),
    ("limit", "integer", False, "1–200, default 50"),
    ("offset", "integer", False, "default 0"),
]


def _flag(name) -> bool | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if raw.lower() not in BOOLEANS:
        raise ValidationError(fields={name: "error.not_boolean"})
    return BOOLEANS[raw.lower()]


def _text_arg(name, most) -> str | None:
    value = (request.args.get(name) or "").strip()
    if len(value) > most:
        raise ValidationError(fields={name: "error.too_long"})
    return value or None


@route(
    "/users",
    summary="Staff accounts I manage (admin: every staff role of my scope; supervisor: grid workers, fire officers "
    "and police of my scope): role, region, masked phone, active, last sign-in, live sessions",
    tag="users",
    roles=MANAGERS,
    params=LIST_PARAMS,
    response=c.StaffList,
    errors=(400, 404),
)
def user_list():
    filters = ops.Filters(
        role=_text_arg("role", 20),
        region=_text_arg("region", 15),
        q=_text_arg("q", 64),
        active=_flag("active"),
    )
    return ops.staff_page(current_user, filters, int_arg("limit", 50, 1, 200), int_arg("offset", 0, 0, 10_000_000))


@route(
    "/users",
    "POST",
    summary="Create a staff account in my scope with a one-time password (in the answer, shown once; the first "
    "sign-in must change it); audited",
    tag="users",
    roles=MANAGERS,
    body=c.StaffCreate,
    response=c.StaffCreated,
    status=201,
    errors=(400, 404, 409),
    idempotent=False,
)
def user_create(body: c.StaffCreate):
    user, password = ops.create_staff(current_user, body)
    return {"user": ops.staff_json(user, 0), "password": password}, 201, SECRET


@route(
    "/users/<int:user_id>",
    "PATCH",
    summary="Change a staff account of my scope: display name, phone, region (inside my scope), active "
    "(false ends its sessions at once); audited",
    tag="users",
    roles=MANAGERS,
    body=c.StaffUpdate,
    response=c.StaffUser,
    errors=(400, 404, 409),
)
def user_update(user_id, body: c.StaffUpdate):
    user, _ = ops.update_staff(current_user, ops.managed_user(current_user, user_id, lock=True), body)
    return ops.staff_json(user)


@route(
    "/users/<int:user_id>/reset-password",
    "POST",
    summary="A new one-time password for a staff account of my scope (in the answer, shown once): its sessions end "
    "and its next sign-in must choose a password; audited",
    tag="users",
    roles=MANAGERS,
    response=c.PasswordReset,
    errors=(404, 409),
    idempotent=False,
)
def user_reset_password(user_id):
    user = ops.managed_user(current_user, user_id, lock=True)
    password, revoked = ops.reset_password(current_user, user)
    return {"user": ops.staff_json(user, 0), "password": password, "revoked": revoked}, 200, SECRET


@route(
    "/users/<int:user_id>/reveal-phone",
    "POST",
    summary="A staff account's phone in clear (to call them); the read is audited",
    tag="users",
    roles=MANAGERS,
    response=c.StaffPhone,
    errors=(404,),
    personal=True,
)
def user_reveal_phone(user_id):
    return {"phone": ops.reveal_phone(current_user, ops.managed_user(current_user, user_id))}, 200, SECRET


@route(
    "/users/import",
    "POST",
    summary="Create staff accounts in bulk, all or none: JSON rows, or a table (CSV in UTF-8/GB18030, or .xlsx) as "
    "the multipart field `file` with columns username,name,role,region_code,phone. A bad row refuses the whole "
    "import (400 `import_rejected`, `fields` maps each rejected line to its reason). The answer holds every new "
    "account's one-time password, once (?format=csv: as a CSV download)",
    tag="users",
    roles=MANAGERS,
    params=[("format", "string", False, "json (default) or csv")],
    body=c.StaffImport,
    response=c.StaffImported,
    status=201,
    errors=(400, 409, 413),
    produces=("text/csv",),
    idempotent=False,
)
def user_import():
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise ValidationError(fields={"format": "error.not_a_choice"})
    rows = _import_rows()
    try:
        created = importer.apply_rows(current_user, rows)
    except ImportRejected as err:
        fields = {str(r.line): t(r.key, **r.params) for r in err.rejects}
        raise ValidationError(
            "error.import_rejected", code="import_rejected", fields=fields, count=len(fields)
        ) from None
    if fmt == "csv":
        headers = {**SECRET, "Content-Disposition": 'attachment; filename="accounts.csv"'}
        return Response(
            importer.passwords_csv(created), status=201, content_type="text/csv; charset=utf-8", headers=headers
        )
    accounts = [
        {
            "line": n.line,
            "id": n.user.id,
            "username": n.user.username,
            "display_name": n.user.display_name,
            "role": n.user.role,
            "region_code": n.region_code,
            "password": n.password,
        }
        for n in created
    ]
    return {"created": len(accounts), "accounts": accounts}, 201, SECRET


def _import_rows() -> list[importer.StaffRow]:
    """The rows to import: an uploaded table (read in memory, never written to disk) or JSON rows."""
    most_bytes, most_rows = current_app.config["USERS_IMPORT_MAX_BYTES"], current_app.config["USERS_IMPORT_MAX_ROWS"]
    if request.mimetype == "multipart/form-data":
        file = request.files.get("file")
        if file is None:
            raise ValidationError(fields={"file": "error.required"})
        data = file.stream.read(most_bytes + 1)
        if len(data) > most_bytes:
            raise MenpaiError(
                "error.import_too_large", code="upload_too_large", status=413, max_mb=most_bytes // (1024 * 1024)
            )
        rows = importer.read_table(Upload(data, file.filename or "staff.csv"))
    else:
        rows = importer.rows_of(parse(c.StaffImport, request.get_json(silent=True)).rows)
    if len(rows) > most_rows:
        raise ValidationError("error.import_too_many_rows", fields={"rows": "error.too_many"}, max=most_rows)
    return rows


@route(
    "/me/password",
    "POST",
    summary="Choose my password (required after a one-time password: until then every other route answers 403 "
    "`password_change_required`); my other sessions end",
    tag="auth",
    body=c.PasswordChange,
    response=c.PasswordChanged,
    errors=(400, 429),
    idempotent=False,
)
def change_password(body: c.PasswordChange):
    return {"revoked": ops.change_password(current_user, body)}


def password_change_gate():
    """A session signed in with a one-time password may only choose a new one (or see who it is, or end)."""
    if not request.path.startswith("/api/") or request.endpoint in WHILE_CHANGING:
        return
    if current_user.is_authenticated and current_user.must_change_password:
        raise Forbidden("error.password_change_required", code="password_change_required")


def init_app(app):
    """Staff administration: the routes above, `flask users import`, the one-time password gate."""
    app.before_request(password_change_gate)
    cli.init_app(app)
