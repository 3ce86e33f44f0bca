"""Rental houses (出租房): a rentable unit at a standard address. Minimal here; the rental loop grows it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.addresses.models import Address
from backend.auth.models import User
from backend.extensions import db
from backend.types import UTCDateTime, utcnow

STATUSES = ("declared", "active", "rejected", "suspended", "closed", "withdrawn")
REGISTERED = ("active", "suspended", "closed")  # verified by a grid worker at some point


class House(db.Model):
    """A rental unit at one standard address, with its landlord and maximum occupants."""

    __tablename__ = "houses"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        CheckConstraint("max_occupants IS NULL OR max_occupants > 0", name="max_occupants_positive"),
        Index("ix_houses_scope_code_prefix", "scope_code", postgresql_ops={"scope_code": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"), index=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The address's scope code, copied so region-scoped lists need no join.
    scope_code: Mapped[str] = mapped_column(String(15))
    status: Mapped[str] = mapped_column(String(12), default="declared")
    max_occupants: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    address: Mapped[Address] = relationship()
    landlord: Mapped[User | None] = relationship()

    @property
    def registered(self) -> bool:
        return self.status in REGISTERED
