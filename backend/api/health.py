"""GET /healthz: the app is up, its database answers, and this process's audit writer is writing."""

import time
from typing import Annotated, Literal

from flask import current_app
from pydantic import Field
from sqlalchemy import text

from backend.api.contract import Reply
from backend.api.routing import root, route
from backend.extensions import db
from backend.fastpath.fastscan import AUDIT_KEY


class Health(Reply):
    status: Literal["ok", "unavailable"]
    database: Literal["sqlite", "postgresql"]
    db_ms: Annotated[float, Field(description="how long the check took, milliseconds")]
    audit: Annotated[Literal["ok", "failing"], Field(description="this process's writer of batched audit events")]


@route(
    "/healthz",
    summary="Liveness, database and audit-writer check (503 while either fails)",
    tag="system",
    blueprint=root,
    auth=False,
    response=Health,
    errors=(503,),
)
def healthz():
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        ok = True
    except Exception:
        db.session.rollback()
        ok = False
    # The card's batched read-audit events could not be written (scanlog.py): a failure someone must see.
    writer = current_app.extensions.get(AUDIT_KEY)
    audit_ok = not (writer and writer.failing)
    ok = ok and audit_ok
    body = {
        "status": "ok" if ok else "unavailable",
        "audit": "ok" if audit_ok else "failing",
        "database": db.engine.dialect.name,
        "db_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return body, 200 if ok else 503


def init_app(app):
    """The routes above are registered on import."""
