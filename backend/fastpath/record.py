"""After a scan, on either path: the scan row, and a warning in the log unless it was "ok".

One function, so the two paths cannot drift again (the landing page's fast path used to record without warning):
the general path adds the row to the request's transaction (a Core insert, no ORM flush), the fast path queues it
for this process's batch writer (scanlog.py), which may lose the last fraction of a second of rows in a hard
crash — a scan row is a count, not a transaction anyone waits on.
"""

from flask import current_app
from sqlalchemy import insert

from backend.doorplates.models import Scan
from backend.extensions import db
from backend.fastpath import scanlog
from backend.geo.sql import point
from backend.types import utcnow

LOG_KEY = "menpai.scan_log"


def _log() -> scanlog.ScanLog:
    log = current_app.extensions.get(LOG_KEY)
    if log is None:
        config = current_app.config
        log = scanlog.ScanLog(
            scanlog.conninfo(config["SQLALCHEMY_DATABASE_URI"]),
            flush_seconds=config["SCAN_FLUSH_SECONDS"],
            max_rows=config["SCAN_BUFFER_ROWS"],
            max_buffered=config["SCAN_BUFFER_MAX"],
        )
        current_app.extensions[LOG_KEY] = log
    return log


def after_scan(
    result: str,
    doorplate_id: int | None,
    version: int | None,
    channel: str,
    user_id: int | None = None,
    role: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    queued: bool = False,
) -> None:
    """Record the scan (queued: for the fast path's batch writer; else in the request's transaction) and warn."""
    if queued:
        _log().add((utcnow(), doorplate_id, version, result, channel, user_id, role))
    else:
        values = {
            "at": utcnow(),
            "doorplate_id": doorplate_id,
            "version": version,
            "result": result,
            "channel": channel,
            "user_id": user_id,
            "role": role,
        }
        if user_id is not None and lon is not None and lat is not None:
            values["point"] = point(lon, lat)
        db.session.execute(insert(Scan.__table__).values(**values))
    warn_unless_ok(result, channel, doorplate_id)


def warn_unless_ok(result: str, channel: str, doorplate_id: int | None) -> None:
    """A scan of a tampered, replaced or unknown plate goes to the log as well."""
    if result != "ok":
        current_app.logger.warning("doorplate scan %s via %s (plate %s)", result, channel, doorplate_id)
