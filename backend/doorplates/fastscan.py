"""PostgreSQL's fast path for the landing page: read the plate and record the scan in one statement.

The page is the most frequent request there is (every tenant, every officer, every curious neighbour). The general
path costs five round trips (BEGIN, SELECT, INSERT, COMMIT, and the session's ROLLBACK); this one costs one: a
data-modifying CTE on an autocommit connection whose commits do not wait for the WAL flush
(synchronous_commit=off: a crash may lose the last fraction of a second of scan rows, never corrupt anything;
no other write goes through this connection). Its result must equal the general path's, which
tests/test_doorplate_landing.py checks on PostGIS.
"""

from flask import current_app
from sqlalchemy import create_engine

from backend.doorplates.lookup import NoticeView, PlateView
from backend.fire.models import OPEN

ENGINE_KEY = "menpai.scan_engine"
_OPEN = ", ".join(f"'{s}'" for s in OPEN)
SQL = f"""
WITH p AS (
  SELECT d.id, d.plate_id, d.version, d.key_id, d.state, h.id AS house_id, h.status AS house_status,
         h.max_occupants, h.scope_code, h.landlord_id, a.full_text AS address, a.code AS address_code,
         CASE WHEN d.state = 'revoked' OR %(version)s < d.version THEN 'revoked'
              WHEN %(version)s > d.version THEN 'unknown' ELSE 'ok' END AS result
  FROM doorplates d JOIN houses h ON d.house_id = h.id JOIN addresses a ON h.address_id = a.id
  WHERE d.plate_id = %(plate_id)s
), s AS (
  INSERT INTO scans (at, doorplate_id, version, result, channel, user_id, role)
  SELECT now(), p.id, %(version)s, p.result, %(channel)s, %(user_id)s, %(role)s FROM p
)
SELECT p.*, n.kind, n.status AS notice_status, n.title, n.deadline
FROM p LEFT JOIN fire_notices n ON n.house_id = p.house_id AND n.status IN ({_OPEN})
ORDER BY n.deadline IS NULL, n.deadline
"""
FIELDS = [f for f in PlateView.__dataclass_fields__ if f != "notices"]


def available() -> bool:
    return current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _engine():
    engine = current_app.extensions.get(ENGINE_KEY)
    if engine is None:
        engine = create_engine(
            current_app.config["SQLALCHEMY_DATABASE_URI"],
            isolation_level="AUTOCOMMIT",
            pool_size=2,
            pool_pre_ping=True,
            connect_args={"options": "-c synchronous_commit=off"},
        )
        current_app.extensions[ENGINE_KEY] = engine
    return engine


def dispose(app) -> None:
    engine = app.extensions.pop(ENGINE_KEY, None)
    if engine is not None:
        engine.dispose()


def scan(plate_id: int, version: int, channel: str, user_id=None, role=None) -> tuple[str, PlateView | None]:
    """(result, plate) and the scan row written; ("unknown", None) with nothing written if no such plate."""
    params = {"plate_id": plate_id, "version": version, "channel": channel, "user_id": user_id, "role": role}
    raw = _engine().raw_connection()  # straight from the pool: no Connection wrapper on the hot path
    try:
        cursor = raw.driver_connection.execute(SQL, params)
        names = [c.name for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        raw.close()
    if not rows:
        return "unknown", None
    notices = tuple(NoticeView(r["kind"], r["notice_status"], r["title"], r["deadline"]) for r in rows if r["kind"])
    plate = PlateView(**{f: rows[0][f] for f in FIELDS}, notices=notices)
    return rows[0]["result"], plate
