"""GET /healthz: the app is up and its database answers."""

import time

from sqlalchemy import text

from backend.api import root, route
from backend.extensions import db


@route(
    "/healthz",
    summary="Liveness and database check",
    tag="system",
    blueprint=root,
    auth=False,
    response="Health",
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
    body = {
        "status": "ok" if ok else "unavailable",
        "database": db.engine.dialect.name,
        "db_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return body, 200 if ok else 503
