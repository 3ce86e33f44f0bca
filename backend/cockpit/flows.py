"""Flows: the events the cockpit counts per day (check-ins, scans, declarations…), in the local calendar.

One definition per kind: the timestamp, the rows it is read from, the condition, and the column that places the
event in a region. The summary's period counts, the trends and `cockpit_daily_stats` all count through it, so a
day's number is the same wherever it is shown.

Days are calendar days in `COCKPIT_TIMEZONE` (default Asia/Shanghai: a check-in at 23:30 UTC is the next day in
China). PostgreSQL converts with the zone's rules; SQLite, which has none, with the zone's current UTC offset
(exact for China, which has kept UTC+8 since 1991).

Counting a period: from a township up (code lengths in DAILY_PREFIX_LENGTHS) the days before the last refresh
are read from `cockpit_daily_stats` (which holds every event before the refresh's cut-off instant) and the events
since the cut-off live, through an index on the timestamp; below a township, and before the first refresh,
everything is live. Either way the count is of this second.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, Index, and_, func, literal, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from backend.auth.scope import within
from backend.cockpit.models import DailyStats, Refresh
from backend.doorplates.models import Doorplate, DoorplateRevocation, Scan
from backend.extensions import db
from backend.fire.models import FireNotice
from backend.houses.models import House
from backend.tenancy.models import Tenancy
from backend.verification.models import VerificationTask

DEFAULT_TIMEZONE = "Asia/Shanghai"
# Region code lengths that have rows in cockpit_daily_stats ('' = everything … 9 = a township).
DAILY_PREFIX_LENGTHS = (9, 6, 4, 2, 0)

# Each flow's timestamp is indexed: the events since the last refresh are read by a range scan.
Index("ix_tenancies_created_at", Tenancy.created_at)
Index("ix_tenancies_decided_at", Tenancy.decided_at)
Index("ix_tenancies_ended_at", Tenancy.ended_at)
Index("ix_houses_declared_at", House.declared_at)
Index("ix_houses_verified_at", House.verified_at)
Index("ix_verification_tasks_closed_at", VerificationTask.closed_at)
Index("ix_fire_notices_issued_at", FireNotice.issued_at)
Index("ix_doorplates_printed_at", Doorplate.printed_at)
Index("ix_doorplate_revocations_revoked_at", DoorplateRevocation.revoked_at)


def time_zone() -> str:
    return current_app.config.get("COCKPIT_TIMEZONE") or DEFAULT_TIMEZONE


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def today() -> date:
    return datetime.now(_zone(time_zone())).date()


class local_date(FunctionElement):
    """The calendar day of a UTC timestamp column in a time zone, as a DATE. Build it with local_day()."""

    inherit_cache = True
    type = Date()


@compiles(local_date, "postgresql")
def _local_date_pg(element, compiler, **kw):
    column, zone, _ = list(element.clauses)
    return f"CAST(({compiler.process(column, **kw)}) AT TIME ZONE {compiler.process(zone, **kw)} AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    column, _, modifier = list(element.clauses)
    # Stored as naive UTC text; the zone's offset as a '+480 minutes' modifier.
    return f"date({compiler.process(column, **kw)}, {compiler.process(modifier, **kw)})"


def local_day(column, zone: str | None = None):
    """local_date of the column in `zone` (default: COCKPIT_TIMEZONE)."""
    zone = zone or time_zone()
    offset = _zone(zone).utcoffset(datetime.now(UTC).replace(tzinfo=None))
    modifier = f"{int(offset.total_seconds() // 60):+d} minutes"
    # Rendered into the statement at execution (not bound): GROUP BY must repeat the SELECT's expression exactly,
    # and the compiled form stays cacheable across zones.
    return local_date(column, literal(zone, literal_execute=True), literal(modifier, literal_execute=True))


@dataclass(frozen=True)
class Period:
    """Whole local days [start, end] inclusive, as UTC instants [since, until)."""

    start: date
    end: date
    zone: str = "UTC"

    def _instant(self, day: date) -> datetime:
        return datetime.combine(day, time(), _zone(self.zone)).astimezone(UTC)

    @property
    def since(self) -> datetime:
        return self._instant(self.start)

    @property
    def until(self) -> datetime:
        return self._instant(self.end + timedelta(days=1))

    def covers(self, column):
        return and_(column >= self.since, column < self.until)


@dataclass(frozen=True)
class Flow:
    """One kind of event: `query` selects its rows (joined so that `scope` is reachable), `where` keeps them."""

    kind: str
    at: object  # the timestamp expression
    query: object
    where: object
    scope: object  # the scope code column that places the event in a region
    at_least: Callable  # moment -> an index-friendly "at >= moment"


def _simple(column):
    return lambda moment: column >= moment


def _started(moment):
    # coalesce(decided, created) >= m, as two indexed ranges (a decision never precedes its check-in).
    return or_(Tenancy.decided_at >= moment, and_(Tenancy.decided_at.is_(None), Tenancy.created_at >= moment))


def _flows() -> dict[str, Flow]:
    tenancies = select().select_from(Tenancy).join(House, Tenancy.house_id == House.id)
    plates = select().select_from(Doorplate).join(House, Doorplate.house_id == House.id)
    revocations = (
        select()
        .select_from(DoorplateRevocation)
        .join(Doorplate, DoorplateRevocation.doorplate_id == Doorplate.id)
        .join(House, Doorplate.house_id == House.id)
    )
    houses = select().select_from(House)
    tasks = select().select_from(VerificationTask)
    notices = select().select_from(FireNotice).join(House, FireNotice.house_id == House.id)
    scans = (
        select()
        .select_from(Scan)
        .join(Doorplate, Scan.doorplate_id == Doorplate.id)
        .join(House, Doorplate.house_id == House.id)
    )
    living = Tenancy.status.in_(("active", "ended"))
    start = func.coalesce(Tenancy.decided_at, Tenancy.created_at)
    flows = [
        Flow("check_ins", Tenancy.created_at, tenancies, true(), House.scope_code, _simple(Tenancy.created_at)),
        Flow(
            "check_outs",
            Tenancy.ended_at,
            tenancies,
            Tenancy.status == "ended",
            House.scope_code,
            _simple(Tenancy.ended_at),
        ),
        Flow("printed", Doorplate.printed_at, plates, true(), House.scope_code, _simple(Doorplate.printed_at)),
        Flow(
            "revocations",
            DoorplateRevocation.revoked_at,
            revocations,
            true(),
            House.scope_code,
            _simple(DoorplateRevocation.revoked_at),
        ),
        Flow("declarations", House.declared_at, houses, true(), House.scope_code, _simple(House.declared_at)),
        Flow(
            "verifications",
            VerificationTask.closed_at,
            tasks,
            VerificationTask.state == "done",
            VerificationTask.scope_code,
            _simple(VerificationTask.closed_at),
        ),
        Flow("notices", FireNotice.issued_at, notices, true(), House.scope_code, _simple(FireNotice.issued_at)),
        Flow("scans", Scan.at, scans, true(), House.scope_code, _simple(Scan.at)),
        # The stocks' moves: living in a house from the landlord's confirmation (or the check-in, for rows
        # without one) until check-out; a house registered from its verification.
        Flow("tenant_starts", start, tenancies, living, House.scope_code, _started),
        Flow("tenant_ends", Tenancy.ended_at, tenancies, living, House.scope_code, _simple(Tenancy.ended_at)),
        Flow("registered", House.verified_at, houses, true(), House.scope_code, _simple(House.verified_at)),
    ]
    return {f.kind: f for f in flows}


FLOWS = _flows()
KINDS = tuple(FLOWS)


def daily_select(flow: Flow, cutoff: datetime, zone: str, since: datetime | None = None):
    """(township code, local day, kind, n) of the flow's events before `cutoff` (and from `since`, a local
    midnight): the refresh's rows."""
    township = func.substr(flow.scope, 1, 9)
    day = local_day(flow.at, zone)
    cond = [flow.where, flow.at.is_not(None), flow.at < cutoff]
    if since is not None:
        cond.append(flow.at_least(since))
    return flow.query.add_columns(township, day, literal(flow.kind), func.count()).where(*cond).group_by(township, day)


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), _zone(zone)).astimezone(UTC)


def _aggregated(prefix: str) -> datetime | None:
    """The cut-off of the daily aggregates if they can answer for this region (and were cut in this zone)."""
    if len(prefix) not in DAILY_PREFIX_LENGTHS:
        return None
    row = db.session.get(Refresh, 1)
    if row is None or (row.time_zone or "UTC") != time_zone():
        return None
    return row.at


def _live(flow: Flow, prefix: str, since: datetime | None, until: datetime | None):
    cond = [flow.where, within(flow.scope, prefix)]
    if since is not None:
        cond.append(flow.at_least(since))
    if until is not None:
        cond.append(flow.at < until)
    return flow.query.where(*cond)


def per_day(kind: str, prefix: str, period: Period) -> dict[date, int]:
    """{local day: events} of the region in the period."""
    flow, cutoff = FLOWS[kind], _aggregated(prefix)
    out: dict[date, int] = {}
    since = period.since
    if cutoff is not None:
        rows = db.session.execute(
            select(DailyStats.day, DailyStats.n).where(
                DailyStats.prefix == prefix,
                DailyStats.kind == kind,
                DailyStats.day >= period.start,
                DailyStats.day <= period.end,
            )
        )
        for day, n in rows:
            out[day] = out.get(day, 0) + int(n)
        since = max(since, cutoff)
    if since < period.until:
        day = local_day(flow.at, period.zone)
        live = _live(flow, prefix, since, period.until).add_columns(day, func.count()).group_by(day)
        for day, n in db.session.execute(live):
            day = date.fromisoformat(day) if isinstance(day, str) else day
            out[day] = out.get(day, 0) + int(n)
    return out


def before(kind: str, prefix: str, moment: datetime, first_day: date) -> int:
    """Events of the region before `moment` (the local midnight starting `first_day`)."""
    flow, cutoff = FLOWS[kind], _aggregated(prefix)
    if cutoff is None:
        return db.session.scalar(_live(flow, prefix, None, moment).add_columns(func.count())) or 0
    n = db.session.scalar(
        select(func.coalesce(func.sum(DailyStats.n), 0)).where(
            DailyStats.prefix == prefix, DailyStats.kind == kind, DailyStats.day < first_day
        )
    )
    if cutoff < moment:
        n += db.session.scalar(_live(flow, prefix, cutoff, moment).add_columns(func.count())) or 0
    return int(n)


def totals(kinds: tuple[str, ...], prefix: str, period: Period) -> dict[str, int]:
    """{kind: events of the region in the period}, in two statements whatever the number of kinds."""
    cutoff = _aggregated(prefix)
    out = dict.fromkeys(kinds, 0)
    since = period.since
    if cutoff is not None:
        rows = db.session.execute(
            select(DailyStats.kind, func.sum(DailyStats.n))
            .where(
                DailyStats.prefix == prefix,
                DailyStats.kind.in_(kinds),
                DailyStats.day >= period.start,
                DailyStats.day <= period.end,
            )
            .group_by(DailyStats.kind)
        )
        for kind, n in rows:
            out[kind] += int(n)
        since = max(since, cutoff)
    if since < period.until:
        counts = [
            _live(FLOWS[k], prefix, since, period.until).add_columns(func.count()).scalar_subquery() for k in kinds
        ]
        for kind, n in zip(kinds, db.session.execute(select(*counts)).one(), strict=True):
            out[kind] += int(n or 0)
    return out
