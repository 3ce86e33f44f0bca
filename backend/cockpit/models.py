"""The cockpit's tables: the materialised aggregates (`flask cockpit refresh`, backend/cockpit/aggregates.py), the
stored alerts (backend/cockpit/alerts.py) and the last field visit of each house (kept by triggers).

A county summary over the live tables reads 100 k+ houses and joins each to its tenancies, plate, notices and
obligations (seconds on the 1 M-house city, docs/performance.md); from these tables it sums a few thousand rows.
The counts are those of the last refresh (`as_of` in the summary), not of this second.

- `cockpit_house_stats`: per (scope code, status, colour) of the houses there: houses, active tenants, plates
  by state, fire notices open / overdue / closed, overdue obligations.
- `cockpit_task_stats`: the verification backlog (tasks open or in review) per task scope code.
- `cockpit_daily_stats`: per (region prefix, local day, flow): the events of backend/cockpit/flows.py before the
  refresh's cut-off.
- `cockpit_cell_stats`: heat-map counts per scope code and BASE_CELL square.
- `cockpit_refresh`: when the aggregates were last rebuilt.
- `cockpit_alerts`: every alert of the city as the last refresh found it.
- `house_last_visits`: the latest field visit of each house.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.types import UTCDateTime


class HouseStats(db.Model):
    """Counts over the houses of one scope code with one status and colour."""

    __tablename__ = "cockpit_house_stats"
    # LIKE 'prefix%' needs a pattern-ops index on PostgreSQL under a non-C collation (as regions.code).
    __table_args__ = (
        Index(
            "ix_cockpit_house_stats_scope_prefix", "scope_code", postgresql_ops={"scope_code": "varchar_pattern_ops"}
        ),
    )

    scope_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    colour: Mapped[str] = mapped_column(String(8), primary_key=True)
    houses: Mapped[int] = mapped_column(Integer)
    active_tenants: Mapped[int] = mapped_column(Integer)
    plates_pending: Mapped[int] = mapped_column(Integer)
    plates_active: Mapped[int] = mapped_column(Integer)
    plates_revoked: Mapped[int] = mapped_column(Integer)
    notices_open: Mapped[int] = mapped_column(Integer)
    notices_overdue: Mapped[int] = mapped_column(Integer)
    notices_closed: Mapped[int] = mapped_column(Integer)
    obligations_overdue: Mapped[int] = mapped_column(Integer)


class TaskStats(db.Model):
    """Open verification tasks of one task scope code."""

    __tablename__ = "cockpit_task_stats"
    __table_args__ = (
        Index("ix_cockpit_task_stats_scope_prefix", "scope_code", postgresql_ops={"scope_code": "varchar_pattern_ops"}),
    )

    scope_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    backlog: Mapped[int] = mapped_column(Integer)


class DailyStats(db.Model):
    """The events of one flow (backend/cockpit/flows.py) of the houses under one region on one local day.

    One row per region code of township level and above ('' = everything, 2, 4, 6 and 9 digits): a period of a
    county is a day range of one prefix. Every house's scope code has at least 9 digits (a grid, community or
    township), so the township rows hold every house once and the upper levels are sums of them. Below a
    township the summary counts the period live: a community's rows are few. Only events before the refresh's
    cut-off (`cockpit_refresh.at`) are here; the readers count the ones since live.
    """

    __tablename__ = "cockpit_daily_stats"

    prefix: Mapped[str] = mapped_column(String(9), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


BASE_CELL = 0.0025  # degrees (~250 m): heat-map cells of any multiple of it are sums of these


class CellStats(db.Model):
    """Live houses, active tenants and houses with active tenants of one scope code in one BASE_CELL square.

    The square is (floor(lon / BASE_CELL), floor(lat / BASE_CELL)) of the address point; a heat-map cell of
    k × BASE_CELL is (floor(bx / k), floor(by / k)) of these, in integers. Counts only: no point, no person.
    """

    __tablename__ = "cockpit_cell_stats"
    __table_args__ = (
        Index("ix_cockpit_cell_stats_scope_prefix", "scope_code", postgresql_ops={"scope_code": "varchar_pattern_ops"}),
    )

    scope_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    bx: Mapped[int] = mapped_column(Integer, primary_key=True)
    by: Mapped[int] = mapped_column(Integer, primary_key=True)
    houses: Mapped[int] = mapped_column(Integer)
    tenants: Mapped[int] = mapped_column(Integer)
    tenant_houses: Mapped[int] = mapped_column(Integer)


class Refresh(db.Model):
    """When the aggregates were last rebuilt (one row)."""

    __tablename__ = "cockpit_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column()
    # The zone the daily rows' days were cut in: rows of another zone are not read (flows._aggregated).
    time_zone: Mapped[str | None] = mapped_column(String(64))


def refreshed_at() -> datetime | None:
    """The instant of the last refresh, if there was one."""
    row = db.session.get(Refresh, 1)
    return row.at if row else None


class AlertRow(db.Model):
    """One alert of one house as the last `flask cockpit refresh` found it; its numbers as JSON."""

    __tablename__ = "cockpit_alerts"
    __table_args__ = (
        Index(
            "ix_cockpit_alerts_kind_scope",
            "kind",
            "scope_code",
            postgresql_ops={"scope_code": "varchar_pattern_ops"},
        ),
    )

    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id", ondelete="CASCADE"), primary_key=True)
    scope_code: Mapped[str] = mapped_column(String(15))
    reason: Mapped[str] = mapped_column(String(32))
    numbers: Mapped[dict] = mapped_column(JSON)


class HouseLastVisit(db.Model):
    """The last field visit of each house (最近走访), kept by the database itself.

    A visit is a verification visit, a fire re-inspection of a notice item, or a field staff member's (grid
    worker, fire officer, police) successful scan of the door. Triggers on verifications, notice_items and scans
    keep `house_last_visits` at the latest of them (statement-level with transition tables on PostgreSQL, so a
    batch of buffered scans is one upsert; row-level on SQLite), whatever path wrote the row: the app, the scan
    batcher's COPY, the city generator. Migration 20261203_1251 (83f8f8fd5937) creates them and fills the table
    from the history.

    The patrol alerts read one row per house from here instead of the union of every visit ever made (on the
    1 M-house city: 10 M scans, 950 k verifications).
    """

    __tablename__ = "house_last_visits"

    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
