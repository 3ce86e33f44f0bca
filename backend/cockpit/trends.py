"""Trends (趋势): daily counts grouped in the database, folded into day / week / month buckets here.

Each measure is one GROUP BY over a UTC calendar day of one timestamp column, restricted to the region (a code
prefix) and the period, so both databases return the same (day, count) rows and the buckets are cut identically.
The stock measures (active tenants, registered houses at a bucket's end) are a count before the period plus the
running sum of daily starts minus daily ends.
"""

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import String, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from backend.cockpit.summary import Period, _within
from backend.doorplates.models import Doorplate, Scan
from backend.extensions import db
from backend.fire.models import FireNotice
from backend.houses.models import House
from backend.tenancy.models import Tenancy
from backend.verification.models import VerificationTask

BUCKETS = ("day", "week", "month")
FLOWS = ("check_ins", "check_outs", "declarations", "verifications", "notices", "scans")
STOCKS = ("active_tenants", "registered_houses")
MEASURES = FLOWS + STOCKS


class utc_day(FunctionElement):
    """'YYYY-MM-DD' of a UTC timestamp column (PostgreSQL: not the session's time zone)."""

    inherit_cache = True
    type = String()


@compiles(utc_day, "postgresql")
def _utc_day_pg(element, compiler, **kw):
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"  # stored as naive UTC text


def _flow(measure: str, prefix: str):
    """(timestamp column, select of it joined to the region's houses, extra condition)."""
    in_region = _within(House.scope_code, prefix)
    if measure == "check_ins":
        return Tenancy.created_at, select().select_from(Tenancy).join(House, Tenancy.house_id == House.id), in_region
    if measure == "check_outs":
        return (
            Tenancy.ended_at,
            select().select_from(Tenancy).join(House, Tenancy.house_id == House.id),
            and_(in_region, Tenancy.status == "ended"),
        )
    if measure == "declarations":
        return House.declared_at, select().select_from(House), in_region
    if measure == "verifications":
        done = and_(_within(VerificationTask.scope_code, prefix), VerificationTask.state == "done")
        return VerificationTask.closed_at, select().select_from(VerificationTask), done
    if measure == "notices":
        return (
            FireNotice.issued_at,
            select().select_from(FireNotice).join(House, FireNotice.house_id == House.id),
            (in_region),
        )
    if measure == "scans":
        query = select().select_from(Scan).join(Doorplate, Scan.doorplate_id == Doorplate.id)
        return Scan.at, query.join(House, Doorplate.house_id == House.id), in_region
    raise KeyError(measure)


def _stock(measure: str, prefix: str):
    """(start column, end column or None, select joined to the region's houses, condition)."""
    in_region = _within(House.scope_code, prefix)
    if measure == "active_tenants":
        # Living there from the landlord's confirmation (or the check-in, for rows without one) until check-out.
        query = select().select_from(Tenancy).join(House, Tenancy.house_id == House.id)
        start = func.coalesce(Tenancy.decided_at, Tenancy.created_at)
        return start, Tenancy.ended_at, query, and_(in_region, Tenancy.status.in_(("active", "ended")))
    if measure == "registered_houses":
        return House.verified_at, None, select().select_from(House), and_(in_region, House.verified_at.is_not(None))
    raise KeyError(measure)


def _daily(query, column, cond, period: Period) -> dict[date, int]:
    day = utc_day(column)
    rows = db.session.execute(
        query.add_columns(day, func.count()).where(cond, period.covers(column)).group_by(day)
    ).all()
    return {date.fromisoformat(d): n for d, n in rows}


def _before(query, column, cond, period: Period) -> int:
    return db.session.scalar(query.add_columns(func.count()).where(cond, column < period.since))


def bucket_start(day: date, bucket: str) -> date:
    if bucket == "week":  # ISO weeks, Monday first
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def buckets(period: Period, bucket: str) -> list[tuple[date, date]]:
    """[(first day, last day)] of each bucket, clipped to the period."""
    out, day = [], period.start
    while day <= period.end:
        start = bucket_start(day, bucket)
        if bucket == "day":
            nxt = start + timedelta(days=1)
        elif bucket == "week":
            nxt = start + timedelta(days=7)
        else:
            nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append((day, min(nxt - timedelta(days=1), period.end)))
        day = nxt
    return out


def trends(prefix: str, period: Period, bucket: str, measures: list[str]) -> dict:
    """{"buckets": [{"start", "end"}], "series": {measure: [value per bucket]}}."""
    cuts = buckets(period, bucket)
    series = {}
    for measure in measures:
        if measure in FLOWS:
            column, query, cond = _flow(measure, prefix)
            daily = _daily(query, column, cond, period)
            per = defaultdict(int)
            for day, n in daily.items():
                per[max(bucket_start(day, bucket), period.start)] += n  # the first bucket is clipped
            series[measure] = [per.get(first, 0) for first, _ in cuts]
        else:
            start, end, query, cond = _stock(measure, prefix)
            level = _before(query, start, cond, period)
            if end is not None:
                level -= _before(query, end, and_(cond, end.is_not(None)), period)
            starts = _daily(query, start, cond, period)
            ends = _daily(query, end, and_(cond, end.is_not(None)), period) if end is not None else {}
            values, day = [], period.start
            for _, last in cuts:
                while day <= last:
                    level += starts.get(day, 0) - ends.get(day, 0)
                    day += timedelta(days=1)
                values.append(level)
            series[measure] = values
    return {
        "bucket": bucket,
        "buckets": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in cuts],
        "series": series,
    }
