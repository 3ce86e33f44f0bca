"""The audit log read back (审计日志): GET /api/v1/audit and the cockpit's /cockpit/audit page share this.

Admins and supervisors, inside their region scope (an event without a region is an admin's with the whole
country). Filters: actor, person, house, action (exact, or a prefix ending in "."), local days from/to. The police
reveals come first: `kind=reveal` (their reasons in a column) is the default, `kind=all` is everything. Newest
first, paged by keyset (`before` = the last id seen, at most MAX_LIMIT a page); CSV streamed row by row (no file on
disk, at most MAX_EXPORT rows). No name, ID number or phone is in an audit event (one row per person holds its id);
residents' usernames (their phones) and IP addresses are masked. Every read of the log is itself an event.
"""

import json
import re
from dataclasses import dataclass
from datetime import date

from flask import request
from flask_login import current_user
from sqlalchemy import Select, select

from backend import audit
from backend.api.routing import route
from backend.audit import AuditEvent
from backend.auth.models import User
from backend.cockpit import contracts as c
from backend.cockpit import export
from backend.cockpit.flows import Period, time_zone
from backend.cockpit.query import region_arg
from backend.errors import ValidationError
from backend.extensions import db
from backend.people.validate import mask_phone

AUDIT_ROLES = ("admin", "supervisor")
STAFF = ("grid_worker", "fire_officer", "police", "supervisor", "admin")
KINDS = ("reveal", "all")
REVEAL = "person.reveal"
MAX_LIMIT, DEFAULT_LIMIT, MAX_EXPORT = 200, 50, 100_000
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)*\.?$")
COLUMNS = [
    "audit_id",
    "audit_at",
    "audit_actor_id",
    "audit_actor",
    "audit_actor_role",
    "audit_action",
    "audit_target_type",
    "audit_target_id",
    "audit_person_id",
    "audit_house_id",
    "audit_region_code",
    "audit_reason",
    "audit_ip",
    "audit_details",
]
PARAMS = [
    ("region", "string", False, "a region code inside your scope; default: your scope's region"),
    ("kind", "string", False, "reveal (default: police reveals with their reasons) or all"),
    ("actor", "integer", False, "the acting user's id"),
    ("person", "integer", False, "a person's id"),
    ("house", "integer", False, "a house's id"),
    ("action", "string", False, "an action (person.read), or a prefix ending in '.' (tenancy.)"),
    ("from", "string", False, "YYYY-MM-DD, first local day (COCKPIT_TIMEZONE)"),
    ("to", "string", False, "YYYY-MM-DD, last local day, inclusive"),
    ("before", "integer", False, "keyset cursor: the `next` of the previous page"),
    ("limit", "integer", False, f"1–{MAX_LIMIT}, default {DEFAULT_LIMIT}"),
    ("format", "string", False, "json (default) or csv: every matching event, streamed"),
]
INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class Filters:
    prefix: str
    kind: str = "reveal"
    actor: int | None = None
    person: int | None = None
    house: int | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None
    before: int | None = None
    limit: int = DEFAULT_LIMIT

    def given(self) -> dict:
        """The filters the caller set, for the audit event of this read (and the page's links)."""
        names = ("kind", "actor", "person", "house", "action", "start", "end")
        out = {n: getattr(self, n) for n in names if getattr(self, n) is not None}
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in out.items()}


def _int(args, name, fields, lo=1, hi=INT_MAX):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not lo <= int(raw) <= hi:
        fields[name] = "error.not_integer"
        return None
    return int(raw)


def _day(args, name, fields):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        fields[name] = "error.not_date"
        return None
    if not 2000 <= day.year <= 2999:
        fields[name] = "error.out_of_range"
        return None
    return day


def parse(args, prefix: str) -> Filters:
    """The filters of a query string; a 400 naming every bad field."""
    fields: dict[str, str] = {}
    kind = args.get("kind") or "reveal"
    if kind not in KINDS:
        fields["kind"] = "error.not_a_choice"
    action = (args.get("action") or "").strip() or None
    if action is not None and (len(action) > 64 or not ACTION.match(action)):
        fields["action"] = "error.not_a_choice"
    values = {n: _int(args, n, fields) for n in ("actor", "person", "house", "before")}
    limit = _int(args, "limit", fields, 1, MAX_LIMIT) or DEFAULT_LIMIT
    start, end = _day(args, "from", fields), _day(args, "to", fields)
    if start and end and start > end:
        fields["to"] = "error.out_of_range"
    if fields:
        raise ValidationError(fields=fields)
    return Filters(prefix, kind, action=action, start=start, end=end, limit=limit, **values)


def query(f: Filters) -> Select:
    """The events matching f, newest first, with the actor's username and whether the actor is staff."""
    q = select(AuditEvent, User.username, User.role).outerjoin(User, User.id == AuditEvent.actor_id)
    if f.prefix:  # codes are digits only (checked on import): no LIKE escaping needed
        q = q.where(AuditEvent.region_code.like(f.prefix + "%"))
    if f.kind == "reveal":
        q = q.where(AuditEvent.action == REVEAL)
    if f.action:
        q = q.where(
            AuditEvent.action.startswith(f.action, autoescape=True)
            if f.action.endswith(".")
            else AuditEvent.action == f.action
        )
    for value, column in ((f.actor, AuditEvent.actor_id), (f.person, AuditEvent.person_id)):
        if value is not None:
            q = q.where(column == value)
    if f.house is not None:
        q = q.where(AuditEvent.house_id == f.house)
    if f.start or f.end:
        period = Period(f.start or date(2000, 1, 1), f.end or date(2999, 12, 30), time_zone())
        q = q.where(period.covers(AuditEvent.at))
    if f.before is not None:
        q = q.where(AuditEvent.id < f.before)
    return q.order_by(AuditEvent.id.desc())


def mask_ip(ip: str | None) -> str | None:
    if not ip:
        return ip
    if "." in ip:
        return ".".join([*ip.split(".")[:2], "*", "*"])
    return ":".join([*ip.split(":")[:3], "*"])


def _actor(username: str | None, role: str | None) -> str | None:
    """Staff by username; a resident's username is their phone, so masked."""
    if username is None or role in STAFF:
        return username
    return mask_phone(username) if username.isdigit() else username[:1] + "***"


def event_json(e: AuditEvent, username: str | None, role: str | None) -> dict:
    details = dict(e.details or {})
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor": None
        if e.actor_id is None
        else {"id": e.actor_id, "name": _actor(username, role), "role": e.actor_role},
        "action": e.action,
        "target": {"type": e.target_type, "id": e.target_id},
        "person_id": e.person_id,
        "house_id": e.house_id,
        "region_code": e.region_code,
        "reason": details.get("reason"),
        "ip": mask_ip(e.ip),
        "details": details,
    }


def csv_row(e: AuditEvent, username: str | None, role: str | None) -> tuple:
    out = event_json(e, username, role)
    actor = out["actor"] or {}
    return (
        out["id"],
        out["at"],
        actor.get("id"),
        actor.get("name"),
        actor.get("role"),
        out["action"],
        e.target_type,
        e.target_id,
        e.person_id,
        e.house_id,
        e.region_code,
        out["reason"],
        out["ip"],
        json.dumps(out["details"], ensure_ascii=False, sort_keys=True),
    )


def record_read(f: Filters, fmt: str) -> None:
    """The audit event of this read of the audit log; the caller commits."""
    audit.record(
        "audit.read",
        actor=current_user,
        target_type="audit_events",
        region_code=f.prefix or None,
        person_id=f.person,
        house_id=f.house,
        format=fmt,
        filters=f.given(),
    )


def page(f: Filters) -> tuple[list[dict], int | None]:
    """One page of events and the cursor of the next (None at the end)."""
    rows = db.session.execute(query(f).limit(f.limit + 1)).all()
    events = [event_json(*r) for r in rows[: f.limit]]
    return events, (events[-1]["id"] if len(rows) > f.limit else None)


def _csv_rows(f: Filters):
    """Run inside the streamed response (stream_with_context): the rows as the database yields them."""
    for row in db.session.execute(query(f).limit(MAX_EXPORT).execution_options(yield_per=1000)):
        yield csv_row(*row)


@route(
    "/audit",
    summary="The audit log of my region scope (admins, supervisors): police reveals with their reasons first "
    "(kind=reveal, the default) or every event; filter by actor, person, house, action, days; keyset pages or "
    "a streamed CSV; names, ID numbers and phones never in it, residents' usernames and IPs masked; this read is "
    "itself audited",
    tag="cockpit",
    roles=AUDIT_ROLES,
    params=PARAMS,
    response=c.AuditLog,
    errors=(400, 404),
    produces=("text/csv",),
)
def audit_log():
    prefix, _ = region_arg()
    fmt = export.wanted()
    if fmt not in (None, "csv"):
        raise ValidationError(fields={"format": "error.not_a_choice"})
    f = parse(request.args, prefix)
    record_read(f, fmt or "json")  # committed by the route before any of the log leaves (a CSV streams after)
    if fmt:
        return export.respond(fmt, "audit", COLUMNS, _csv_rows(f))
    events, after = page(f)
    return {"kind": f.kind, "events": events, "next": after}
