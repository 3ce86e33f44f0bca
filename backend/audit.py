"""The append-only audit log: every state change and every read of personal data.

One row per person read (a list of 61 tenants is 61 rows): every column holds one value, so nothing real data
brings can outgrow it, and the log can be searched by person and by house (backend/auditlog.py). A value that
does not fit its column is refused here, where the request that brought it fails loudly, never in a batch
writer's later COPY (fastpath/scanlog.py).
"""

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """Who did what to which object, when, from where. Database triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(15), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The person whose data was read or changed, and the house it concerns: what GET /api/v1/audit filters on.
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    house_id: Mapped[int | None] = mapped_column(Integer, index=True)


LIMITS = {c.key: c.type.length for c in AuditEvent.__table__.c if getattr(c.type, "length", None)}


def _derived(target) -> dict:
    """person_id / house_id a target carries (a person, a house, a tenancy, a plate, a notice)."""
    name = getattr(target, "__tablename__", None)
    return {
        "person_id": target.id if name == "people" else getattr(target, "person_id", None),
        "house_id": target.id if name == "houses" else getattr(target, "house_id", None),
    }


def values(
    action,
    *,
    actor=None,
    target=None,
    target_type=None,
    target_id=None,
    region_code=None,
    person_id=None,
    house_id=None,
    **details,
) -> dict:
    """The columns of one audit event but its time (the row's default: when it is written)."""
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id or getattr(target, "code", None) or target.id
        derived = _derived(target)
        person_id = person_id if person_id is not None else derived["person_id"]
        house_id = house_id if house_id is not None else derived["house_id"]
    row = {
        "action": action,
        "actor_id": getattr(actor, "id", None),
        "actor_role": getattr(actor, "role", None),
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "region_code": region_code,
        "ip": request.remote_addr if has_request_context() else None,
        "details": details,
        "person_id": person_id,
        "house_id": house_id,
    }
    for key, limit in LIMITS.items():
        if isinstance(row[key], str) and len(row[key]) > limit:
            raise ValueError(f"audit event {action}: {key} longer than {limit} characters")
    return row


def record(action, **fields):
    """Append one audit event to the current transaction; the caller commits. An event about a house carries the
    house's region when the caller gave none, so a supervisor reading the log of their scope sees it."""
    row = values(action, **fields)
    if row["region_code"] is None and row["house_id"] is not None:
        houses = db.metadata.tables["houses"]
        row["region_code"] = db.session.scalar(select(houses.c.scope_code).where(houses.c.id == row["house_id"]))
    event = AuditEvent(**row)
    db.session.add(event)
    return event
