"""The query string of the cockpit's routes and pages: the region of the caller's scope, the period, a choice.
Shared by the JSON views (api.py, views.py, auditlog.py) and the pages (page.py); not a view itself."""

from datetime import date, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import select

from backend.auth.scope import require_in_scope, scope_code
from backend.cockpit.flows import Period, time_zone, today
from backend.errors import NotFound, ValidationError
from backend.extensions import db
from backend.regions.models import Region

DEFAULT_DAYS = 30
MAX_DAYS = 3660
# Days a cockpit period may name: year 1 or 9999 would overflow the date arithmetic of the default period and of
# local midnights (a 500); no data of ours lies outside.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def period_arg() -> Period:
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


def region_arg() -> tuple[str, Region | None]:
    """(code prefix, region) of ?region=, inside the caller's scope; ('', None) for an admin's everything."""
    code = request.args.get("region") or scope_code(current_user)
    if code is None:
        raise NotFound()
    if code == "":
        return "", None
    require_in_scope(current_user, code)
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound()
    return code, region


def choice(name, allowed, default):
    """?name= among allowed (default when absent), or a 400."""
    value = request.args.get(name) or default
    if value not in allowed:
        raise ValidationError(fields={name: "error.not_a_choice"})
    return value
