"""The cockpit's lists and maps as JSON (and CSV / XLSX): trends, heat map, grid choropleth, alerts, visits,
tenants. Every answer is for one region of the caller's scope; nothing outside it is ever counted."""

from flask import request
from flask_login import current_user
from sqlalchemy import insert, select

from backend import audit
from backend.api.routing import float_arg, int_arg, route
from backend.auth.models import User
from backend.auth.scope import in_scope
from backend.cockpit import alerts, export, maps, visits
from backend.cockpit import contracts as c
from backend.cockpit.api import ROLES
from backend.cockpit.query import choice, period_arg, region_arg
from backend.cockpit.summary import region_ref
from backend.cockpit.trends import BUCKETS, MEASURES, trends
from backend.errors import NotFound, ValidationError
from backend.extensions import db
from backend.guards import ID_MAX
from backend.houses.models import House
from backend.regions.models import Region
from backend.tenancy import queries as tenancy_queries
from backend.tenancy.models import Tenancy
from backend.tenancy.queries import TENANT_COLUMNS
from backend.types import utcnow

REGION = ("region", "string", False, "a region code inside your scope; default: your scope's region")
FORMAT = ("format", "string", False, "json (default), csv or xlsx: the whole list as a download, streamed")
ALERT_COLUMNS = ["kind", "reason", "text", "house_id", "address", "unit_label", "scope_code", "colour", "numbers"]
TENANT_ROLES = ("police", "supervisor", "admin")
VISIT_ROLES = ("grid_worker", "supervisor", "admin")
MAX_WORKERS = 500


@route(
    "/cockpit/trends",
    summary="Time series of a region: check-ins, check-outs, declarations, verifications, notices, scans per "
    "day / week / month, and active tenants / registered houses at each bucket's end",
    tag="cockpit",
    roles=ROLES,
    params=[
        REGION,
        ("from", "string", False, "YYYY-MM-DD (default: 29 days before `to`)"),
        ("to", "string", False, "YYYY-MM-DD inclusive (default: today in COCKPIT_TIMEZONE)"),
        ("bucket", "string", False, "day (default), week (ISO, Monday first) or month"),
        ("measure", "string", False, "comma-separated: " + ", ".join(MEASURES) + " (default: all)"),
    ],
    response=c.CockpitTrends,
    errors=(400, 404),
)
def cockpit_trends():
    period = period_arg()
    prefix, region = region_arg()
    bucket = choice("bucket", BUCKETS, "day")
    names = [m for m in (request.args.get("measure") or ",".join(MEASURES)).split(",") if m]
    if not names or any(m not in MEASURES for m in names):
        raise ValidationError(fields={"measure": "error.not_a_choice"})
    body = trends(prefix, period, bucket, names)
    return {
        "region": region_ref(region),
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        **body,
    }


@route(
    "/cockpit/heatmap",
    summary="Heat map: live houses or active tenants counted per square cell in the database; tenant cells with "
    "fewer than 3 people or 2 houses are suppressed (their sum is reported)",
    tag="cockpit",
    roles=ROLES,
    params=[
        REGION,
        ("measure", "string", False, "houses (default) or tenants"),
        ("cell", "number", False, "cell side in degrees, 0.0005–0.5 (default 0.005, about 500 m)"),
    ],
    response=c.CockpitHeatmap,
    errors=(400, 404),
)
def cockpit_heatmap():
    prefix, region = region_arg()
    measure = choice("measure", maps.HEAT_MEASURES, "houses")
    size = float_arg("cell") if request.args.get("cell") else 0.005
    if not 0.0005 <= size <= 0.5:
        raise ValidationError(fields={"cell": "error.out_of_range"})
    return {"region": region_ref(region), **maps.heat_cells(prefix, measure, size)}


@route(
    "/cockpit/grids",
    summary="The grid polygons of a region (GeoJSON, simplified), each with the chosen measure, for a choropleth",
    tag="cockpit",
    roles=ROLES,
    params=[REGION, ("measure", "string", False, ", ".join(maps.GRID_MEASURES) + " (default houses)")],
    response=c.CockpitGrids,
    errors=(400, 404),
)
def cockpit_grids():
    _, region = region_arg()
    measure = choice("measure", maps.GRID_MEASURES, "houses")
    return maps.grid_features(region, measure)


def _alert_row(a):
    h = a["house"]
    numbers = "; ".join(f"{k}={v}" for k, v in a["numbers"].items())
    return (
        a["kind"],
        a["reason"],
        a["text"],
        h["id"],
        h["address"],
        h["unit_label"],
        h["scope_code"],
        h["colour"],
        numbers,
    )


@route(
    "/cockpit/alerts",
    summary="Alerts of a region, each with a reason code, a text and the numbers behind it: over capacity, tenant "
    "scans without tenants, unverified declarations, overdue rectification, revoked plates scanned, overdue "
    "obligations, houses not visited within their colour's patrol interval, approvals far from the door waiting "
    "for review",
    tag="cockpit",
    roles=ROLES,
    params=[
        REGION,
        ("kind", "string", False, "comma-separated: " + ", ".join(alerts.KINDS) + " (default: all)"),
        ("limit", "integer", False, "alerts per kind in JSON, 1–1000, default 100"),
        ("offset", "integer", False, "default 0"),
        FORMAT,
    ],
    response=c.CockpitAlerts,
    errors=(400, 404),
    produces=("text/csv", export.FORMATS["xlsx"]),
)
def cockpit_alerts():
    prefix, _ = region_arg()
    kinds = [k for k in (request.args.get("kind") or ",".join(alerts.KINDS)).split(",") if k]
    if not kinds or any(k not in alerts.KINDS for k in kinds):
        raise ValidationError(fields={"kind": "error.not_a_choice"})
    limit, offset = int_arg("limit", 100, 1, 1000), int_arg("offset", 0, 0, 10_000_000)
    fmt, rule = export.wanted(), alerts.Rule(utcnow())
    if fmt:
        every = (_alert_row(a) for k in kinds for a in alerts.rows(k, rule, prefix))
        return export.respond(fmt, "alerts", ALERT_COLUMNS, every)
    as_of = alerts.materialised(prefix, rule)
    return {
        "counts": {k: alerts.count(k, rule, prefix) for k in kinds},
        "alerts": [a for k in kinds for a in alerts.rows(k, rule, prefix, limit, offset)],
        "as_of": as_of and as_of.isoformat(),
    }


def _worker() -> User:
    """?worker= (a user id) for supervisors in scope; a grid worker gets their own list."""
    raw = request.args.get("worker")
    if current_user.role == "grid_worker":
        if raw not in (None, "", str(current_user.id)):
            raise NotFound()
        return current_user
    if not raw:
        raise ValidationError(fields={"worker": "error.required"})
    worker = db.session.get(User, int_arg("worker", 0, 1, ID_MAX))
    if worker is None or worker.role != "grid_worker" or worker.region is None:
        raise NotFound()
    if not in_scope(current_user, worker.region.code):
        raise NotFound()
    return worker


@route(
    "/cockpit/visits",
    summary="A grid worker's visit list for this week: houses due for patrol (green 21, yellow 14, red 7 days) or "
    "with an alert, each with its reasons, in greedy nearest-neighbour order from the position or the grid's centre",
    tag="cockpit",
    roles=VISIT_ROLES,
    params=[
        ("worker", "integer", False, "a grid worker's user id (supervisors); a grid worker gets their own list"),
        ("lon", "number", False, "start position (WGS84); default: the grid's centre"),
        ("lat", "number", False, ""),
        FORMAT,
    ],
    response=c.CockpitVisits,
    errors=(400, 404),
    produces=("text/csv", export.FORMATS["xlsx"]),
)
def cockpit_visits():
    worker = _worker()
    if worker.region is None:
        raise NotFound()
    start = (float_arg("lon"), float_arg("lat")) if request.args.get("lon") else visits.grid_centre(worker.region)
    if start is None or not (-180 <= start[0] <= 180 and -90 <= start[1] <= 90):
        raise ValidationError(fields={"lon": "error.out_of_range"})
    body = visits.visit_list(worker.region.code, alerts.Rule(utcnow()), start)
    fmt = export.wanted()
    if fmt:
        rows = (
            (
                s["order"],
                s["leg_m"],
                s["house"]["id"],
                s["house"]["address"],
                s["house"]["unit_label"],
                s["house"]["colour"],
                " / ".join(r["text"] for r in s["reasons"]),
            )
            for s in body["stops"]
        )
        columns = ["order", "leg_m", "house_id", "address", "unit_label", "colour", "reasons"]
        return export.respond(fmt, "visits", columns, rows)
    return {"worker": {"id": worker.id, "display_name": worker.display_name, "grid": worker.region.code}, **body}


@route(
    "/cockpit/visits/workers",
    summary="The grid workers of a region, by grid: whose weekly visit lists (GET /cockpit/visits?worker=) a "
    f"supervisor may open; at most {MAX_WORKERS}",
    tag="cockpit",
    roles=("supervisor", "admin"),
    params=[REGION],
    response=c.CockpitVisitWorkers,
    errors=(404,),
)
def cockpit_visit_workers():
    prefix, _ = region_arg()
    rows = db.session.execute(
        select(User.id, User.display_name, Region.code, Region.name)
        .join(Region, User.region_id == Region.id)
        .where(User.role == "grid_worker", User.active, Region.code.like(prefix + "%"))
        .order_by(Region.code, User.display_name, User.id)
        .limit(MAX_WORKERS)
    )
    return {
        "workers": [
            {"id": i, "display_name": name, "grid": {"code": code, "name": grid}} for i, name, code, grid in rows
        ]
    }


REASON_MAX = 300  # a police reveal's reason, kept in the audit log


def _reveal() -> str | None:
    """The reason of ?reveal=1 (police only, at least 4 characters); None for masked."""
    if request.args.get("reveal") not in ("1", "true"):
        return None
    if current_user.role != "police":
        raise NotFound()  # nobody else may reveal: the option is not theirs
    reason = (request.args.get("reason") or "").strip()
    if len(reason) < 4 or len(reason) > REASON_MAX:
        raise ValidationError(fields={"reason": "error.reason_too_short"})
    return reason


@route(
    "/cockpit/tenants",
    summary="Active tenants of a region: name, ID number and phone masked (police: reveal=1 with a reason); every "
    "read is one audit event",
    tag="cockpit",
    roles=TENANT_ROLES,
    params=[
        REGION,
        ("reveal", "boolean", False, "police only: 1 shows names, ID numbers and phones in clear (audited)"),
        ("reason", "string", False, "why (required with reveal=1), 4–300 characters", {"maxLength": REASON_MAX}),
        ("limit", "integer", False, "JSON: 1–500, default 100"),
        ("offset", "integer", False, "default 0"),
        FORMAT,
    ],
    response=c.CockpitTenants,
    errors=(400, 404),
    produces=("text/csv", export.FORMATS["xlsx"]),
)
def cockpit_tenants():
    prefix, _ = region_arg()
    reason, fmt = _reveal(), export.wanted()
    query = tenancy_queries.active_tenants(prefix)
    if not fmt:
        query = query.limit(int_arg("limit", 100, 1, 500)).offset(int_arg("offset", 0, 0, 10_000_000))
    # The route commits the audit events when this returns: before a byte of personal data leaves (a download
    # streams after).
    audited = _audit_tenants(query, reason, fmt)
    rows = tenancy_queries.tenant_rows(query, audited, reveal=reason is not None)
    if fmt:
        return export.respond(fmt, "tenants", TENANT_COLUMNS, rows)
    return {"masked": reason is None, "tenants": [dict(zip(TENANT_COLUMNS, r, strict=True)) for r in rows]}


def _audit_tenants(query, reason, fmt) -> set[int]:
    """One audit event per person the list will show, with its house and region (a bulk reveal of 64 people is
    64 reveal events); the tenancies audited, for the stream to show only those."""
    targets = db.session.execute(
        query.with_only_columns(Tenancy.id, Tenancy.person_id, House.id, House.scope_code)
    ).all()
    action, why = ("person.reveal" if reason else "person.read"), f"cockpit tenants {fmt or 'json'}"
    extra = {"reason": reason} if reason else {}
    events = [
        audit.values(
            action,
            actor=current_user,
            target_type="people",
            target_id=person_id,
            person_id=person_id,
            house_id=house_id,
            region_code=scope,
            masked=reason is None,
            why=why,
            **extra,
        )
        for _, person_id, house_id, scope in targets
    ]
    if events:  # one multi-row INSERT (an export of a county reads many thousand people)
        db.session.execute(insert(audit.AuditEvent.__table__), events)
    return {t for t, *_ in targets}
