"""The cockpit summary of one region (a code prefix) and period: a handful of GROUP BY queries, no query per child.

Every count is over rows whose house (or task) scope code starts with the region's code; `children` repeats the
house counts for each direct child region, grouped by the child-length prefix of the scope code in the same query.
Percentiles are computed here from the durations, so both databases give the same numbers.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select, true

from backend.doorplates.models import Doorplate, DoorplateRevocation
from backend.extensions import db
from backend.fire.models import OPEN, FireNotice
from backend.houses.colour import COLOURS, colour_expr
from backend.houses.models import STATUSES, House
from backend.obligations.models import Obligation
from backend.regions.models import Region
from backend.tenancy.models import Tenancy
from backend.verification.models import VerificationTask

OVERDUE_NOTICES = ("overdue", "escalated")  # as the notice list's ?overdue=1


@dataclass(frozen=True)
class Period:
    """Whole days [start, end] inclusive, as UTC instants [since, until)."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def covers(self, column):
        return and_(column >= self.since, column < self.until)


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _within(column, prefix: str):
    # Codes are digits only (checked on import and looked up before we get here): no LIKE escaping needed.
    return column.like(prefix + "%") if prefix else true()


def _house_counts() -> dict:
    return {"total": 0, "by_status": dict.fromkeys(STATUSES, 0), "by_colour": dict.fromkeys(COLOURS, 0)}


def _add(counts: dict, status: str, colour: str, n: int) -> None:
    counts["total"] += n
    counts["by_status"][status] = counts["by_status"].get(status, 0) + n
    counts["by_colour"][colour] = counts["by_colour"].get(colour, 0) + n


def _houses_by_child(prefix: str, length: int):
    """(child prefix, status, colour, count) rows: one GROUP BY over the region's houses."""
    inner = (
        select(
            func.substr(House.scope_code, 1, length).label("child"),
            House.status.label("status"),
            colour_expr(bulk=True).label("colour"),
        )
        .where(_within(House.scope_code, prefix))
        .subquery()
    )
    return db.session.execute(
        select(inner.c.child, inner.c.status, inner.c.colour, func.count()).group_by(
            inner.c.child, inner.c.status, inner.c.colour
        )
    ).all()


def _active_tenants_by_child(prefix: str, length: int):
    child = func.substr(House.scope_code, 1, length)
    return db.session.execute(
        select(child, func.count(Tenancy.id))
        .join(House, Tenancy.house_id == House.id)
        .where(Tenancy.status == "active", _within(House.scope_code, prefix))
        .group_by(child)
    ).all()


def _count(cond):
    return func.count(case((cond, 1)))


def summarise(region: Region | None, children: list[Region], period: Period) -> dict:
    """The summary of `region` (None: everything) and its direct `children`."""
    prefix = region.code if region else ""
    in_region = _within(House.scope_code, prefix)

    # Houses and active tenants: totals and children from the same grouped rows (one pass per child code length).
    houses, tenants = _house_counts(), 0
    child_rows = {c.code: {"houses": _house_counts(), "tenants": {"active": 0}} for c in children}
    lengths = sorted({len(c.code) for c in children}) or [len(prefix)]
    for i, length in enumerate(lengths):
        for child, status, colour, n in _houses_by_child(prefix, length):
            if i == 0:
                _add(houses, status, colour, n)
            if child in child_rows:
                _add(child_rows[child]["houses"], status, colour, n)
        for child, n in _active_tenants_by_child(prefix, length):
            if i == 0:
                tenants += n
            if child in child_rows:
                child_rows[child]["tenants"]["active"] += n

    check_ins, check_outs = db.session.execute(
        select(
            _count(period.covers(Tenancy.created_at)),
            _count(and_(Tenancy.status == "ended", period.covers(Tenancy.ended_at))),
        )
        .join(House, Tenancy.house_id == House.id)
        .where(in_region)
    ).one()

    in_tasks = _within(VerificationTask.scope_code, prefix)
    backlog = db.session.scalar(select(func.count()).where(VerificationTask.state == "open", in_tasks))
    spans = db.session.execute(
        select(VerificationTask.created_at, VerificationTask.closed_at).where(
            VerificationTask.state == "done", period.covers(VerificationTask.closed_at), in_tasks
        )
    ).all()
    hours = [(closed - created).total_seconds() / 3600 for created, closed in spans]

    pending, active, revoked, printed = db.session.execute(
        select(
            _count(Doorplate.state == "pending"),
            _count(Doorplate.state == "active"),
            _count(Doorplate.state == "revoked"),
            _count(period.covers(Doorplate.printed_at)),
        )
        .join(House, Doorplate.house_id == House.id)
        .where(in_region)
    ).one()
    revocations = db.session.scalar(
        select(func.count(DoorplateRevocation.id))
        .join(Doorplate, DoorplateRevocation.doorplate_id == Doorplate.id)
        .join(House, Doorplate.house_id == House.id)
        .where(in_region, period.covers(DoorplateRevocation.revoked_at))
    )

    notices_open, notices_overdue, notices_closed = db.session.execute(
        select(
            _count(FireNotice.status.in_(OPEN)),
            _count(FireNotice.status.in_(OVERDUE_NOTICES)),
            _count(FireNotice.status == "closed"),
        )
        .join(House, FireNotice.house_id == House.id)
        .where(in_region)
    ).one()

    obligations_overdue = db.session.scalar(
        select(func.count(Obligation.id))
        .join(House, Obligation.house_id == House.id)
        .where(in_region, Obligation.state == "overdue")
    )

    def rounded(x):
        return None if x is None else round(x, 2)

    return {
        "region": region_ref(region),
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "houses": houses,
        "tenants": {"active": tenants, "check_ins": check_ins, "check_outs": check_outs},
        "verification": {
            "backlog": backlog,
            "verified": len(hours),
            "hours_to_verify": {"median": rounded(percentile(hours, 0.5)), "p90": rounded(percentile(hours, 0.9))},
        },
        "doorplates": {
            "pending": pending,
            "active": active,
            "revoked": revoked,
            "printed": printed,
            "revocations": revocations,
        },
        "notices": {"open": notices_open, "overdue": notices_overdue, "closed": notices_closed},
        "obligations": {"overdue": obligations_overdue},
        "children": [{**region_ref(c), **child_rows[c.code]} for c in children],
    }


def region_ref(region: Region | None) -> dict | None:
    return None if region is None else {"code": region.code, "name": region.name, "level": region.level}
