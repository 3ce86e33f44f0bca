"""Obligations (履约): recurring duties with due dates, fulfilled by scanning the door or in the app."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.types import UTCDateTime, utcnow

KINDS = ("occupant_confirmation", "registration_renewal")
STATES = ("open", "overdue", "fulfilled", "cancelled")
VIA = ("scan", "app")


class Obligation(db.Model):
    """The landlord's monthly occupant confirmation, or a tenant's residence-registration renewal."""

    __tablename__ = "obligations"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in STATES)})", name="state"),
        Index("ix_obligations_due", "state", "due_date"),
        # One pending duty of a kind per house (and tenancy): sweeps and replays never duplicate.
        Index(
            "uq_obligations_pending",
            "house_id",
            "kind",
            "tenancy_key",
            unique=True,
            postgresql_where=text("state IN ('open', 'overdue')"),
            sqlite_where=text("state IN ('open', 'overdue')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    tenancy_id: Mapped[int | None] = mapped_column(ForeignKey("tenancies.id"), index=True)
    tenancy_key: Mapped[int] = mapped_column(default=0, server_default="0")  # tenancy id or 0: unique needs no NULLs
    kind: Mapped[str] = mapped_column(String(24))
    due_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    fulfilled_via: Mapped[str | None] = mapped_column(String(4))
