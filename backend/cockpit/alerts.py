"""Alerts (预警) and the houses a worker should visit: each with a reason code, the numbers behind it, a text.

Every kind is one SELECT of (house id, numbers…) over the region's houses; the list joins the address and colour.
A "visit" is any of: a verification visit, a fire re-inspection of a notice item, a field staff member's scan
of the door (grid worker, fire officer, police; result ok). A house never visited counts from its verification.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, and_, case, delete, func, insert, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from backend.addresses.models import Address
from backend.auth.scope import within as _within
from backend.cockpit.models import AlertRow, HouseLastVisit, refreshed_at
from backend.doorplates.models import Doorplate, Scan
from backend.extensions import db
from backend.fire.models import OPEN, FireNotice
from backend.houses.colour import colour_expr
from backend.houses.models import House
from backend.i18n import t
from backend.obligations.models import Obligation
from backend.tenancy.models import Tenancy
from backend.types import UTCDateTime
from backend.verification.models import UNVERIFIED, Verification, VerificationTask, latest_visit_id

KINDS = (
    "over_capacity",
    "unregistered_tenants",
    "unverified",
    "rectification_overdue",
    "revoked_scanned",
    "obligations_overdue",
    "not_visited",
    "checkin_conflict",
    "far_verification",
)
# Up to a county's code length the colour rule's open-notice / overdue-obligation sets are hashed once per query
# (colour_expr(bulk=True)); below it, index probes per house are cheaper than reading the whole city's sets (on
# the 1 M-house city a grid's patrol list: 680 ms of the 2 s went into hashing every overdue obligation).
BULK_COLOUR_UP_TO = 6
DEFAULTS = {
    "COCKPIT_UNVERIFIED_DAYS": 7,
    "COCKPIT_RECENT_SCAN_DAYS": 14,
    "COCKPIT_MIN_AREA_PER_PERSON": 5.0,
    "COCKPIT_PATROL_DAYS": {"green": 21, "yellow": 14, "red": 7},
}


def setting(name):
    return current_app.config.get(name, DEFAULTS[name])


def _at(value: datetime):
    return literal(value, UTCDateTime())


@dataclass(frozen=True)
class Rule:
    """Where "now" is and how far each window reaches."""

    now: datetime

    def days_ago(self, days: int):
        return _at(self.now - timedelta(days=days))


def last_visits(prefix: str = ""):
    """(house_id, last_visit) of every house visited at least once: kept by triggers (backend/cockpit/models.py)."""
    return select(HouseLastVisit.house_id.label("house_id"), HouseLastVisit.at.label("last_visit")).subquery()


def _over_capacity(rule, prefix=""):
    crowded = and_(
        House.floor_area.is_not(None), House.occupants > 0, House.floor_area < House.occupants * literal(_min_area())
    )
    full = and_(House.max_occupants.is_not(None), House.occupants >= House.max_occupants)
    reason = case((full, "capacity_reached"), else_="area_per_person_low")
    return select(House.id, reason, House.occupants, House.max_occupants, House.floor_area).where(
        House.status == "active", or_(full, crowded)
    ), ("occupants", "max_occupants", "floor_area")


def _min_area():
    return float(setting("COCKPIT_MIN_AREA_PER_PERSON"))


def _recent_scans(cond, since, prefix):
    """(house_id, n, last) of the region's scans since `since` matching cond: only that region's plates are read."""
    return (
        select(Doorplate.house_id.label("house_id"), func.count().label("n"), func.max(Scan.at).label("last"))
        .join(Doorplate, Scan.doorplate_id == Doorplate.id)
        .join(House, Doorplate.house_id == House.id)
        .where(cond, Scan.at >= since, _within(House.scope_code, prefix))
        .group_by(Doorplate.house_id)
        .subquery()
    )


def _unregistered(rule, prefix=""):
    days = setting("COCKPIT_RECENT_SCAN_DAYS")
    active = select(Tenancy.id).where(Tenancy.house_id == House.id, Tenancy.status == "active")
    scans = _recent_scans(Scan.role == "tenant", rule.days_ago(days), prefix)
    query = select(House.id, literal("tenant_scans_no_tenants"), scans.c.n, scans.c.last, literal(days))
    query = query.join(scans, scans.c.house_id == House.id).where(House.status == "active", ~active.exists())
    return query, ("scans", "last_scan", "days")


def _unverified(rule, prefix=""):
    days = setting("COCKPIT_UNVERIFIED_DAYS")
    query = select(House.id, literal("declared_not_verified"), VerificationTask.created_at, literal(days))
    query = query.join(VerificationTask, VerificationTask.house_id == House.id).where(
        VerificationTask.state.in_(UNVERIFIED), VerificationTask.created_at < rule.days_ago(days)
    )
    return query, ("declared_at", "days")


def _rectification(rule, prefix=""):
    late = or_(
        FireNotice.status.in_(("overdue", "escalated")),
        and_(FireNotice.status.in_(OPEN), FireNotice.deadline < rule.now.date()),
    )
    query = select(House.id, literal("rectification_overdue"), FireNotice.id, FireNotice.deadline, FireNotice.status)
    query = query.join(FireNotice, FireNotice.house_id == House.id).where(FireNotice.kind == "rectification", late)
    return query, ("notice_id", "deadline", "notice_status")


def _revoked(rule, prefix=""):
    days = setting("COCKPIT_RECENT_SCAN_DAYS")
    scans = _recent_scans(Scan.result == "revoked", rule.days_ago(days), prefix)
    query = select(House.id, literal("revoked_plate_scanned"), scans.c.n, scans.c.last, literal(days))
    return query.join(scans, scans.c.house_id == House.id), ("scans", "last_scan", "days")


def _obligations(rule, prefix=""):
    late = or_(Obligation.state == "overdue", and_(Obligation.state == "open", Obligation.due_date < rule.now.date()))
    rows = (
        select(Obligation.house_id, func.count().label("n"), func.min(Obligation.due_date).label("oldest"))
        .join(House, Obligation.house_id == House.id)
        .where(late, _within(House.scope_code, prefix))
        .group_by(Obligation.house_id)
        .subquery()
    )
    query = select(House.id, literal("obligations_overdue"), rows.c.n, rows.c.oldest)
    return query.join(rows, rows.c.house_id == House.id), ("obligations", "oldest_due")


def _conflicts(rule, prefix=""):
    """Pending check-ins whose ID number is held by a person with another name or phone (tenancy/operations.py)."""
    rows = (
        select(Tenancy.house_id, func.count().label("n"))
        .join(House, Tenancy.house_id == House.id)
        .where(Tenancy.conflict == "open", Tenancy.status == "pending", _within(House.scope_code, prefix))
        .group_by(Tenancy.house_id)
        .subquery()
    )
    query = select(House.id, literal("checkin_conflict"), rows.c.n)
    return query.join(rows, rows.c.house_id == House.id), ("tenancies",)


def _far_verification(rule, prefix=""):
    """Approvals waiting for the supervisor's review: made too far from the door or with no GPS fix (item 7)."""
    latest = latest_visit_id()
    reason = case((Verification.distance_m.is_(None), "verified_without_fix"), else_="verified_far")
    query = select(House.id, reason, Verification.distance_m, Verification.accuracy_m, Verification.at)
    query = query.join(VerificationTask, VerificationTask.house_id == House.id)
    query = query.join(Verification, Verification.id == latest)
    return query.where(VerificationTask.state == "review"), ("distance_m", "accuracy_m", "visited_at")


def patrol_cutoff(colour, moment: datetime):
    """The last-visit instant before which a house of `colour` is due at `moment`."""
    days = setting("COCKPIT_PATROL_DAYS")
    return case(
        (colour == "red", _at(moment - timedelta(days=days["red"]))),
        (colour == "yellow", _at(moment - timedelta(days=days["yellow"]))),
        else_=_at(moment - timedelta(days=days["green"])),
    )


def _not_visited(rule, moment=None, prefix=""):
    visits = last_visits(prefix)
    # The colour and the last visit once per active house of the region (an inner query): the CASE below reads
    # them three times, and each copy of the colour rule would be its own set of subplans.
    house = (
        select(
            House.id.label("house_id"),
            colour_expr(bulk=len(prefix) <= BULK_COLOUR_UP_TO).label("colour"),
            func.coalesce(visits.c.last_visit, House.verified_at, House.declared_at).label("last"),
        )
        .outerjoin(visits, visits.c.house_id == House.id)
        .where(House.status == "active", _within(House.scope_code, prefix))
        .subquery()
    )
    days = setting("COCKPIT_PATROL_DAYS")
    colour = house.c.colour
    interval = case((colour == "red", days["red"]), (colour == "yellow", days["yellow"]), else_=days["green"])
    query = select(House.id, literal("patrol_due"), house.c.last, interval, colour)
    query = query.join(house, house.c.house_id == House.id).where(
        house.c.last < patrol_cutoff(colour, moment or rule.now)
    )
    return query, ("last_visit", "interval_days", "colour")


RULES = {
    "over_capacity": _over_capacity,
    "unregistered_tenants": _unregistered,
    "unverified": _unverified,
    "rectification_overdue": _rectification,
    "revoked_scanned": _revoked,
    "obligations_overdue": _obligations,
    "not_visited": _not_visited,
    "checkin_conflict": _conflicts,
    "far_verification": _far_verification,
}


def _json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return float(value) if hasattr(value, "as_integer_ratio") and not isinstance(value, int) else value


def explain(kind: str, reason: str, numbers: dict, now: datetime) -> str:
    """The human sentence for an alert, from the translation files."""
    params = dict(numbers)
    for name in ("declared_at", "last_visit", "last_scan", "visited_at"):
        if isinstance(numbers.get(name), datetime):
            params["since_days"] = (now - numbers[name]).days
    return t(f"cockpit.reason.{reason}", **{k: _json(v) for k, v in params.items()})


def alert_query(kind: str, rule: Rule, prefix: str, moment=None):
    """The rule's SELECT restricted to the region, with address text and colour: (house, reason, numbers...)."""
    if kind == "not_visited":
        query, names = _not_visited(rule, moment, prefix)
    else:
        query, names = RULES[kind](rule, prefix)
    # The listed rows only: correlated probes for the few shown beat hashing every open notice of the city.
    query = query.add_columns(House.scope_code, Address.full_text, House.unit_label, colour_expr())
    query = query.join(Address, House.address_id == Address.id).where(_within(House.scope_code, prefix))
    return query, names


def rule_query(kind: str, rule: Rule, prefix: str):
    """(the rule's SELECT of (house id, reason, numbers…) in the region, the numbers' names)."""
    query, names = _not_visited(rule, None, prefix) if kind == "not_visited" else RULES[kind](rule, prefix)
    return query.where(_within(House.scope_code, prefix)), names


def count(kind: str, rule: Rule, prefix: str) -> int:
    """How many alerts of the kind: the rule alone (no address, no colour column), in the region."""
    if materialised(prefix, rule) is not None:
        return db.session.scalar(
            select(func.count()).where(AlertRow.kind == kind, _within(AlertRow.scope_code, prefix))
        )
    query, _ = rule_query(kind, rule, prefix)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def _alert(kind, reason, numbers, now, house_id, scope, address, unit, colour) -> dict:
    return {
        "kind": kind,
        "reason": reason,
        "text": explain(kind, reason, numbers, now),
        "house": {"id": house_id, "address": address, "unit_label": unit, "scope_code": scope, "colour": colour},
        "numbers": {k: _json(v) for k, v in numbers.items()},
    }


def rows(kind: str, rule: Rule, prefix: str, limit=None, offset=0, moment=None):
    """Alert dicts of one kind, by house id."""
    as_of = materialised(prefix, rule) if moment is None else None
    if as_of is not None:
        yield from _stored_rows(kind, rule.now, prefix, limit, offset)
        return
    query, names = alert_query(kind, rule, prefix, moment)
    query = query.order_by(House.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    for row in db.session.execute(query):
        house_id, reason, *rest = row
        numbers = dict(zip(names, rest[: len(names)], strict=True))
        yield _alert(kind, reason, numbers, rule.now, house_id, *rest[len(names) :])


# ---- Materialised alerts: a township and above read the rows of the last refresh ------------------------------


# Up to a township's code length (a township, a county, the city, everything) the alerts are read from
# cockpit_alerts: on the 1 M-house city the seven rules over the live tables took ~11 s for a county and ~3.5 s
# for a township of 17,767 houses, against ~0.4 s from the stored rows. Communities and grids (a grid worker's
# visit list) are evaluated live, in milliseconds to a few hundred.
MATERIALISED_UP_TO = 9
_DATETIMES = ("declared_at", "last_visit", "last_scan", "visited_at")
_FLOATS = ("floor_area",)


class json_object(FunctionElement):
    """A JSON object from alternating keys and values: json_build_object (PostgreSQL), json_object (SQLite)."""

    inherit_cache = True
    type = JSON()


@compiles(json_object, "postgresql")
def _json_object_pg(element, compiler, **kw):
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _json_object_sqlite(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"


def materialised(prefix: str, rule: Rule) -> datetime | None:
    """The refresh instant whose alert rows answer for this region now, if they do."""
    if len(prefix) > MATERIALISED_UP_TO:
        return None
    return refreshed_at()


def refresh_alerts(now: datetime) -> int:
    """Rebuild cockpit_alerts for the whole city as of `now`, in the caller's transaction; rows written."""
    db.session.execute(delete(AlertRow))
    rule = Rule(now)
    for kind in KINDS:
        query, names = rule_query(kind, rule, "")
        sub = query.add_columns(House.scope_code.label("alert_scope")).subquery()
        cols = list(sub.c)
        pairs = [part for name, col in zip(names, cols[2:-1], strict=True) for part in (literal(name), col)]
        select_rows = select(literal(kind), cols[0], cols[-1], cols[1], json_object(*pairs))
        target = ["kind", "house_id", "scope_code", "reason", "numbers"]
        db.session.execute(insert(AlertRow).from_select(target, select_rows))
    return db.session.scalar(select(func.count()).select_from(AlertRow))


def _number(name: str, value):
    if value is None:
        return None
    if name in _DATETIMES:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if name in _FLOATS:
        return float(value)
    return value


def _stored_rows(kind: str, now: datetime, prefix: str, limit, offset):
    """The stored alerts of the region, with today's address and colour; texts count days up to `now`.

    The page is cut from cockpit_alerts alone first (its primary key is (kind, house id): walked in order, a
    county's first hundred are found among the city's first few hundred), then joined for those rows only."""
    page = (
        select(AlertRow.house_id, AlertRow.reason, AlertRow.numbers)
        .where(AlertRow.kind == kind, _within(AlertRow.scope_code, prefix))
        .order_by(AlertRow.house_id)
        .offset(offset)
    )
    if limit is not None:
        page = page.limit(limit)
    page = page.subquery()
    query = (
        select(
            page.c.house_id,
            page.c.reason,
            page.c.numbers,
            House.scope_code,
            Address.full_text,
            House.unit_label,
            colour_expr(),
        )
        .join(House, page.c.house_id == House.id)
        .join(Address, House.address_id == Address.id)
        .order_by(page.c.house_id)
    )
    for house_id, reason, stored, *rest in db.session.execute(query):
        stored = json.loads(stored) if isinstance(stored, str) else stored
        numbers = {k: _number(k, v) for k, v in stored.items()}
        yield _alert(kind, reason, numbers, now, house_id, *rest)
