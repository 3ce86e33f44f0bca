"""Materialised cockpit aggregates: per grid (scope code) counts, rebuilt by `flask cockpit refresh` (cron).

The tables are in backend/cockpit/models.py. `cockpit_daily_stats` holds the events of backend/cockpit/flows.py
(check-ins and -outs, plates printed and revoked, declarations, verifications, notices, scans, the moves of the
stocks) before the refresh's cut-off; the summary's period counts and the trends add the events since the cut-off
live, so they are of this second.

Every count is computed exactly as the live summary computes it (same joins, same conditions, the one colour
rule); tests/test_cockpit_aggregates.py compares the two on the hand-computed fixture, on both databases.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, insert, literal, or_, select, text, true

from backend.addresses.models import Address
from backend.cockpit.alerts import refresh_alerts
from backend.cockpit.flows import DAILY_PREFIX_LENGTHS, FLOWS, KINDS, daily_select, local_midnight, time_zone
from backend.cockpit.models import BASE_CELL, CellStats, DailyStats, HouseStats, Refresh, TaskStats
from backend.doorplates.models import Doorplate
from backend.extensions import db
from backend.fire.models import OPEN, FireNotice
from backend.geo.sql import cell_index
from backend.houses.colour import colour_expr
from backend.houses.models import LIVE, House
from backend.obligations.models import Obligation
from backend.overdue import notice_overdue, obligation_overdue
from backend.tenancy.models import Tenancy
from backend.types import utcnow
from backend.verification.models import UNVERIFIED, VerificationTask

DAILY_KINDS = KINDS
PLATE_STATES = ("pending", "active", "revoked")


def _per_house(column, where, label):
    """(house_id, count) of the rows matching where, as a subquery to LEFT JOIN on the house."""
    return select(column.label("house_id"), func.count().label(label)).where(where).group_by(column).subquery()


def _house_stats_select():
    tenants = _per_house(Tenancy.house_id, Tenancy.status == "active", "n")
    overdue = _per_house(Obligation.house_id, obligation_overdue(), "n")  # derived: backend/overdue.py
    notices = (
        select(
            FireNotice.house_id.label("house_id"),
            func.count(case((FireNotice.status.in_(OPEN), 1))).label("open"),
            func.count(case((or_(notice_overdue(), FireNotice.status == "escalated"), 1))).label("overdue"),
            func.count(case((FireNotice.status == "closed", 1))).label("closed"),
        )
        .group_by(FireNotice.house_id)
        .subquery()
    )
    colour = colour_expr(bulk=True).label("colour")
    inner = (
        select(
            House.scope_code,
            House.status,
            colour,
            func.coalesce(tenants.c.n, 0).label("tenants"),
            Doorplate.state.label("plate"),
            func.coalesce(notices.c.open, 0).label("n_open"),
            func.coalesce(notices.c.overdue, 0).label("n_overdue"),
            func.coalesce(notices.c.closed, 0).label("n_closed"),
            func.coalesce(overdue.c.n, 0).label("ob_overdue"),
        )
        .outerjoin(tenants, tenants.c.house_id == House.id)
        .outerjoin(Doorplate, Doorplate.house_id == House.id)
        .outerjoin(notices, notices.c.house_id == House.id)
        .outerjoin(overdue, overdue.c.house_id == House.id)
        .subquery()
    )
    c = inner.c
    return select(
        c.scope_code,
        c.status,
        c.colour,
        func.count(),
        func.sum(c.tenants),
        *(func.count(case((c.plate == s, 1))) for s in PLATE_STATES),
        func.sum(c.n_open),
        func.sum(c.n_overdue),
        func.sum(c.n_closed),
        func.sum(c.ob_overdue),
    ).group_by(c.scope_code, c.status, c.colour)


def _daily_selects(cutoff: datetime, zone: str, since: datetime | None = None):
    """(township code, local day, kind, n) selects, one per flow, of the events before `cutoff` (from `since`)."""
    return [daily_select(flow, cutoff, zone, since) for flow in FLOWS.values()]


def _rollup(length: int, first_day: date | None = None):
    """The township rows summed up to prefixes of `length` digits (0: one row per day and kind)."""
    t = DailyStats
    prefix = func.substr(t.prefix, 1, length) if length else literal("")
    days = t.day >= first_day if first_day is not None else true()
    return (
        select(prefix, t.day, t.kind, func.sum(t.n))
        .where(func.length(t.prefix) == 9, days)
        .group_by(prefix, t.day, t.kind)
    )


# An incremental refresh recounts the days from the one before the previous cut-off's: rows the scan batcher
# wrote a moment after a cut-off with an instant before it are counted then.
RECOUNT_DAYS = 1


def _daily_from(previous, zone: str, full: bool) -> date | None:
    """The first local day to recount, or None for all of them."""
    if full or previous is None or previous.time_zone != zone:
        return None
    return previous.at.astimezone(ZoneInfo(zone)).date() - timedelta(days=RECOUNT_DAYS)


def _cell_stats_select():
    tenants = _per_house(Tenancy.house_id, Tenancy.status == "active", "n")
    bx = cell_index(func.ST_X(Address.point), BASE_CELL)
    by = cell_index(func.ST_Y(Address.point), BASE_CELL)
    n = func.coalesce(tenants.c.n, 0)
    return (
        select(
            House.scope_code,
            bx,
            by,
            func.count(case((House.status.in_(LIVE), 1))),
            func.sum(n),
            func.count(case((n > 0, 1))),
        )
        .join(Address, House.address_id == Address.id)
        .outerjoin(tenants, tenants.c.house_id == House.id)
        .where(or_(House.status.in_(LIVE), n > 0))
        .group_by(House.scope_code, bx, by)
    )


def refresh(full: bool = True) -> dict:
    """Rebuild the aggregates from the live tables in the caller's transaction; returns row counts.

    full=False (the cron job): the daily flows are recounted only from the day before the previous refresh's
    cut-off (past days do not change, except a plate re-printed after a loss and a house verified again: a
    nightly full refresh puts those right); every other table is rebuilt whole."""
    started, zone = utcnow(), time_zone()
    first_day = _daily_from(db.session.get(Refresh, 1), zone, full)
    for model in (HouseStats, TaskStats, CellStats):
        db.session.execute(delete(model))
    since = None
    if first_day is None:
        db.session.execute(delete(DailyStats))
    else:
        db.session.execute(delete(DailyStats).where(DailyStats.day >= first_day))
        since = local_midnight(first_day, zone)
    cols = [c.name for c in HouseStats.__table__.columns]
    db.session.execute(insert(HouseStats).from_select(cols, _house_stats_select()))
    open_tasks = (
        select(VerificationTask.scope_code, func.count())
        .where(VerificationTask.state.in_(UNVERIFIED))
        .group_by(VerificationTask.scope_code)
    )
    db.session.execute(insert(TaskStats).from_select(["scope_code", "backlog"], open_tasks))
    cell_columns = ["scope_code", "bx", "by", "houses", "tenants", "tenant_houses"]
    db.session.execute(insert(CellStats).from_select(cell_columns, _cell_stats_select()))
    columns = ["prefix", "day", "kind", "n"]
    for query in _daily_selects(started, zone, since):
        db.session.execute(insert(DailyStats).from_select(columns, query))
    for length in DAILY_PREFIX_LENGTHS[1:]:
        db.session.execute(insert(DailyStats).from_select(columns, _rollup(length, first_day)))
    alerts = refresh_alerts(started)
    if db.session.get_bind().dialect.name == "postgresql":  # the planner's row counts of the new rows
        for table in ("cockpit_house_stats", "cockpit_task_stats", "cockpit_daily_stats", "cockpit_cell_stats"):
            db.session.execute(text(f"ANALYZE {table}"))
        db.session.execute(text("ANALYZE cockpit_alerts"))
    seconds = (utcnow() - started).total_seconds()
    row = db.session.get(Refresh, 1)
    if row is None:
        db.session.add(Refresh(id=1, at=started, seconds=seconds, time_zone=zone))
    else:
        row.at, row.seconds, row.time_zone = started, seconds, zone
    db.session.flush()
    return {
        "houses": db.session.scalar(select(func.count()).select_from(HouseStats)),
        "tasks": db.session.scalar(select(func.count()).select_from(TaskStats)),
        "daily": db.session.scalar(select(func.count()).select_from(DailyStats)),
        "cells": db.session.scalar(select(func.count()).select_from(CellStats)),
        "alerts": alerts,
        "days_recounted_from": first_day and first_day.isoformat(),
        "seconds": round(seconds, 2),
    }
