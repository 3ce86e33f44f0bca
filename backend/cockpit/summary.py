"""The cockpit summary of one region (a code prefix) and period: a handful of GROUP BY queries, no query per child.

Every count is a sum over the aggregate rows (backend/cockpit/models.py, rebuilt by `flask cockpit refresh`)
whose scope code starts with the region's code; `children` repeats the house counts for each direct child region,
grouped by the child-length prefix of the scope code in the same query. Percentiles are computed here from the
durations of the tasks closed in the period (live), so both databases give the same numbers.
"""

from sqlalchemy import func, select

from backend.auth.scope import within
from backend.cockpit.flows import Period, totals
from backend.cockpit.models import HouseStats, TaskStats, refreshed_at
from backend.extensions import db
from backend.houses.colour import COLOURS
from backend.houses.models import STATUSES
from backend.regions.models import Region
from backend.verification.models import VerificationTask

__all__ = ["Period", "percentile", "summarise"]


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


_within = within


def _house_counts() -> dict:
    return {"total": 0, "by_status": dict.fromkeys(STATUSES, 0), "by_colour": dict.fromkeys(COLOURS, 0)}


def _add(counts: dict, status: str, colour: str, n: int) -> None:
    n = int(n)
    counts["total"] += n
    counts["by_status"][status] = counts["by_status"].get(status, 0) + n
    counts["by_colour"][colour] = counts["by_colour"].get(colour, 0) + n


def _houses_by_child(prefix: str, length: int):
    """(child prefix, status, colour, houses, active tenants) rows from the aggregates, grouped in SQL."""
    child = func.substr(HouseStats.scope_code, 1, length)
    return db.session.execute(
        select(
            child,
            HouseStats.status,
            HouseStats.colour,
            func.sum(HouseStats.houses),
            func.sum(HouseStats.active_tenants),
        )
        .where(_within(HouseStats.scope_code, prefix))
        .group_by(child, HouseStats.status, HouseStats.colour)
    ).all()


PERIOD_KINDS = ("check_ins", "check_outs", "printed", "revocations")


def _period_counts(prefix: str, period: Period) -> dict[str, int]:
    """Check-ins, check-outs, plates printed, revocations in the period, of this second (backend/cockpit/flows.py:
    the daily aggregates before the last refresh and the events since live, or all live below a township)."""
    return totals(PERIOD_KINDS, prefix, period)


def summarise(region: Region | None, children: list[Region], period: Period) -> dict:
    """The summary of `region` (None: everything) and its direct `children`, as of the last aggregate refresh.

    Counts come from backend/cockpit/aggregates.py (per scope code, summed here over the region's prefix); the
    hours from declaration to verification are computed live from the tasks closed in the period.
    """
    prefix = region.code if region else ""

    # Houses and active tenants: totals and children from the same grouped rows (one pass per child code length).
    houses, tenants = _house_counts(), 0
    child_rows = {c.code: {"houses": _house_counts(), "tenants": {"active": 0}} for c in children}
    lengths = sorted({len(c.code) for c in children}) or [len(prefix)]
    for i, length in enumerate(lengths):
        for child, status, colour, n, active in _houses_by_child(prefix, length):
            if i == 0:
                _add(houses, status, colour, n)
                tenants += active
            if child in child_rows:
                _add(child_rows[child]["houses"], status, colour, n)
                child_rows[child]["tenants"]["active"] += active

    s = HouseStats
    plates_pending, plates_active, plates_revoked, n_open, n_overdue, n_closed, ob_overdue = (
        int(v or 0)
        for v in db.session.execute(
            select(
                *(
                    func.sum(c)
                    for c in (
                        s.plates_pending,
                        s.plates_active,
                        s.plates_revoked,
                        s.notices_open,
                        s.notices_overdue,
                        s.notices_closed,
                        s.obligations_overdue,
                    )
                )
            ).where(_within(s.scope_code, prefix))
        ).one()
    )
    daily = _period_counts(prefix, period)
    backlog = db.session.scalar(select(func.sum(TaskStats.backlog)).where(_within(TaskStats.scope_code, prefix)))

    in_tasks = _within(VerificationTask.scope_code, prefix)
    spans = db.session.execute(
        select(VerificationTask.created_at, VerificationTask.closed_at).where(
            VerificationTask.state == "done", period.covers(VerificationTask.closed_at), in_tasks
        )
    ).all()
    hours = [(closed - created).total_seconds() / 3600 for created, closed in spans]

    def rounded(x):
        return None if x is None else round(x, 2)

    as_of = refreshed_at()
    return {
        "region": region_ref(region),
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "as_of": as_of and as_of.isoformat(),
        "houses": houses,
        "tenants": {
            "active": int(tenants),
            "check_ins": int(daily["check_ins"]),
            "check_outs": int(daily["check_outs"]),
        },
        "verification": {
            "backlog": int(backlog or 0),
            "verified": len(hours),
            "hours_to_verify": {"median": rounded(percentile(hours, 0.5)), "p90": rounded(percentile(hours, 0.9))},
        },
        "doorplates": {
            "pending": plates_pending,
            "active": plates_active,
            "revoked": plates_revoked,
            "printed": int(daily["printed"]),
            "revocations": int(daily["revocations"]),
        },
        "notices": {"open": n_open, "overdue": n_overdue, "closed": n_closed},
        "obligations": {"overdue": ob_overdue},
        "children": [{**region_ref(c), **child_rows[c.code]} for c in children],
    }


def region_ref(region: Region | None) -> dict | None:
    return None if region is None else {"code": region.code, "name": region.name, "level": region.level}
