"""The append-only audit log: every state change and every read of personal data."""

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String
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


def values(action, *, actor=None, target=None, target_type=None, target_id=None, region_code=None, **details) -> dict:
    """The columns of one audit event but its time (the row's default: when it is written)."""
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id or getattr(target, "code", None) or target.id
    return {
        "action": action,
        "actor_id": getattr(actor, "id", None),
        "actor_role": getattr(actor, "role", None),
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "region_code": region_code,
        "ip": request.remote_addr if has_request_context() else None,
        "details": details,
    }


def record(action, **fields):
    """Append one audit event to the current transaction; the caller commits."""
    event = AuditEvent(**values(action, **fields))
    db.session.add(event)
    return event
