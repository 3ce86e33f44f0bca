"""PostgreSQL's fast path for the landing page: one prepared read, the scan row handed to the batch writer.

The page is the most frequent request there is (every tenant, every officer, every curious neighbour). The general
path costs five round trips (BEGIN, SELECT, INSERT, COMMIT, and the session's ROLLBACK); this one costs one
read-only statement on an autocommit connection (prepared once per connection), and the scan row goes to
`scanlog`, which COPYs rows in batches (a crash may lose the last fraction of a second of scan rows, never corrupt
anything). Its result must equal the general path's: both take it from rule.classify and record it with
record.after_scan, and tests/test_fastpath_rule.py runs every combination through both on PostGIS.
"""

import json

import psycopg
from flask import current_app
from sqlalchemy import BigInteger, and_, bindparam, create_engine, select
from sqlalchemy.dialects import postgresql

from backend import overdue
from backend.addresses.models import Address
from backend.doorplates.lookup import NOTICE_COLUMNS, PLATE_COLUMNS, NoticeView, PlateView
from backend.doorplates.models import Doorplate
from backend.fastpath import cache, scanlog
from backend.fastpath import record as records
from backend.fastpath.rule import classify
from backend.fire.models import OPEN, FireNotice
from backend.houses.models import House

ENGINE_KEY = "menpai.scan_engine"
DURABLE_KEY = "menpai.durable_engine"
AUDIT_KEY = "menpai.read_audit_log"
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "region_code",
    "ip",
    "details",
    "person_id",
    "house_id",
)
available, page_cache = cache.available, cache.page_cache  # the landing page's and the card's callers ask here


def _statement():
    """The read, built from the same column list and colour expression as the general path, for PostgreSQL. The
    outcome is not computed here: rule.classify decides it from the columns read, as on the general path."""
    plate = (
        select(*PLATE_COLUMNS)
        .join(House, Doorplate.house_id == House.id)
        .join(Address, House.address_id == Address.id)
        .where(Doorplate.plate_id == bindparam("plate_id", None, type_=BigInteger, required=False))
        .cte("p")
    )
    notices = and_(FireNotice.house_id == plate.c.house_id, FireNotice.status.in_(OPEN))
    query = (
        select(plate, *NOTICE_COLUMNS)
        .select_from(plate.outerjoin(FireNotice, notices))
        .order_by(FireNotice.deadline.is_(None), FireNotice.deadline)
    )
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    return str(compiled), dict(compiled.params), [c.key for c in query.selected_columns]


SQL, DEFAULTS, NAMES = _statement()
FIELDS = [f for f in PlateView.__dataclass_fields__ if f != "notices"]


def _engine():
    engine = current_app.extensions.get(ENGINE_KEY)
    if engine is None:
        engine = create_engine(
            current_app.config["SQLALCHEMY_DATABASE_URI"],
            isolation_level="AUTOCOMMIT",
            pool_size=2,
            connect_args={"options": "-c synchronous_commit=off"},
        )
        current_app.extensions[ENGINE_KEY] = engine
    return engine


def _durable_engine():
    """Autocommit with the server's synchronous commit: a statement's effect is on disk when it returns."""
    engine = current_app.extensions.get(DURABLE_KEY)
    if engine is None:
        engine = create_engine(current_app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT", pool_size=1)
        current_app.extensions[DURABLE_KEY] = engine
    return engine


def write(sql: str, params: dict) -> None:
    """One prepared statement committed durably before this returns (an audit event on a fast path)."""
    for attempt in (1, 2):
        raw = _durable_engine().raw_connection()
        try:
            raw.driver_connection.execute(sql, params, prepare=True)
            return
        except psycopg.OperationalError:
            raw.invalidate()
            if attempt == 2:
                raise
            # The pooled connection had gone away (server restart): once more on a fresh one. Should the first
            # try have committed after all, the event is there twice: an audit log may over-record, never lose.
        finally:
            raw.close()


def _audit_log() -> scanlog.ScanLog:
    log = current_app.extensions.get(AUDIT_KEY)
    if log is None:
        config = current_app.config
        log = scanlog.ScanLog(
            scanlog.conninfo(config["SQLALCHEMY_DATABASE_URI"]),
            flush_seconds=config["READ_AUDIT_FLUSH_SECONDS"],
            max_rows=config["SCAN_BUFFER_ROWS"],
            max_buffered=0,  # never dropped
            copy_sql=f"COPY audit_events ({', '.join(AUDIT_COLUMNS)}) FROM STDIN",
            what="audit",
            options="",  # the server's synchronous commit: a written batch is on disk
        )
        current_app.extensions[AUDIT_KEY] = log
    return log


def audit_read(event: dict, sql: str) -> None:
    """Queue the audit event of a masked read (scanlog.py); written synchronously by `sql` instead while the
    writer's last try failed, so an outage fails the read rather than losing its event."""
    log = _audit_log()
    if log.failing:
        write(sql, {**event, "details": json.dumps(event["details"])})
        return
    log.add(tuple(json.dumps(event["details"]) if c == "details" else event[c] for c in AUDIT_COLUMNS))


def flush(app) -> int:
    """Write the buffered scan rows and read audit events now (tests, benchmarks); the scan rows written."""
    audit = app.extensions.get(AUDIT_KEY)
    if audit:
        audit.flush()
    log = app.extensions.get(records.LOG_KEY)
    return log.flush() if log else 0


def dispose(app) -> None:
    pages = app.extensions.pop(cache.CACHE_KEY, None)
    if pages is not None:
        pages.stop()
    for key in (AUDIT_KEY, records.LOG_KEY):
        log = app.extensions.pop(key, None)
        if log is not None:
            log.close()
    for key in (ENGINE_KEY, DURABLE_KEY):
        engine = app.extensions.pop(key, None)
        if engine is not None:
            engine.dispose()


def _run(sql, params, names) -> list[dict]:
    # Straight from the pool, no Connection wrapper and no pre-ping round trip: this is the hot path.
    raw = _engine().raw_connection()
    try:
        # Tuples in the compiled column order (building psycopg's column descriptions costs more than the rows).
        rows = [dict(zip(names, row, strict=True)) for row in raw.driver_connection.execute(sql, params, prepare=True)]
    except psycopg.OperationalError:
        raw.invalidate()
        raise
    finally:
        raw.close()
    return rows


def fetch(sql: str, params: dict, names: list[str]) -> list[dict]:
    """Rows of one prepared read-only statement as dicts, on this process's autocommit connection."""
    try:
        return _run(sql, params, names)
    except psycopg.OperationalError:
        return _run(sql, params, names)  # the pooled connection had gone away (server restart): once more


def read(plate_id: int, version: int) -> tuple[str, PlateView | None]:
    """(result, plate) for a verified token, nothing recorded; ("unknown", None) if no such plate."""
    rows = fetch(SQL, {**DEFAULTS, "plate_id": plate_id, "today": overdue.today()}, NAMES)
    if not rows:
        return "unknown", None
    notices = tuple(NoticeView(r["kind"], r["notice_status"], r["title"], r["deadline"]) for r in rows if r["kind"])
    plate = PlateView(**{f: rows[0][f] for f in FIELDS}, notices=notices)
    return classify(version, plate.version, plate.state, plate.house_status), plate


def scan(plate_id: int, version: int, channel: str, user_id=None, role=None) -> tuple[str, PlateView | None]:
    """(result, plate), the scan row queued and warned about (record.after_scan); ("unknown", None) with nothing
    queued if no such plate (the general path records that one)."""
    result, plate = read(plate_id, version)
    if plate is not None:
        records.after_scan(result, plate.id, version, channel, user_id, role, queued=True)
    return result, plate
