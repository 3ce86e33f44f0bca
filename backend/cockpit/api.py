"""GET /api/v1/cockpit/summary: the cockpit's numbers for one region of my scope and one period."""

from datetime import date, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import select

from backend.api.routing import route
from backend.auth.scope import require_in_scope, scope_code
from backend.cockpit.flows import Period, time_zone, today
from backend.cockpit.summary import summarise
from backend.errors import NotFound, ValidationError
from backend.extensions import db
from backend.regions.models import Region

ROLES = ("supervisor", "police", "fire_officer", "grid_worker", "admin")
DEFAULT_DAYS = 30
MAX_DAYS = 3660
# Days a cockpit period may name: year 1 or 9999 would overflow the date arithmetic of the default period and of
# local midnights (a 500); no data of ours lies outside.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def _period() -> Period:
    """from/to (YYYY-MM-DD, inclusive, local days of COCKPIT_TIMEZONE); default: the last 30 days up to today."""
    fields, days = {}, {}
    for name in ("from", "to"):
        raw = request.args.get(name)
        if raw:
            try:
                days[name] = date.fromisoformat(raw)
            except ValueError:
                fields[name] = "error.not_date"
            else:
                if not FIRST_DAY <= days[name] <= LAST_DAY:
                    fields[name] = "error.out_of_range"
    if fields:
        raise ValidationError(fields=fields)
    end = days.get("to") or today()
    start = days.get("from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days >= MAX_DAYS:
        raise ValidationError(fields={"to": "error.out_of_range"})
    return Period(start, end, time_zone())


@route(
    "/cockpit/summary",
    summary="Cockpit summary of a region and period: houses by status and colour, tenants, verification, "
    "doorplates, notices, obligations, and the house counts of each direct child region",
    tag="cockpit",
    roles=ROLES,
    params=[
        ("region", "string", False, "a region code inside your scope; default: your scope's region"),
        ("from", "string", False, "YYYY-MM-DD, first day of the period (default: 29 days before `to`)"),
        ("to", "string", False, "YYYY-MM-DD, last day of the period, inclusive (default: today in COCKPIT_TIMEZONE)"),
    ],
    response="CockpitSummary",
    errors=(400, 404),
)
def cockpit_summary():
    period = _period()
    code = request.args.get("region") or scope_code(current_user)
    if code is None:
        raise NotFound()
    if code == "":  # an admin without a region, asking for everything: the roots are the children
        region = None
        children = list(db.session.scalars(select(Region).where(Region.parent_id.is_(None)).order_by(Region.code)))
    else:
        require_in_scope(current_user, code)
        region = db.session.scalar(select(Region).where(Region.code == code))
        if region is None:
            raise NotFound()
        children = list(region.children)
    return summarise(region, children, period)
