"""Rental houses (出租房): a rentable unit at a standard address, declared by its landlord."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.addresses.models import Address
from backend.auth.models import User
from backend.extensions import db
from backend.types import UTCDateTime, utcnow

STATUSES = ("declared", "active", "rejected", "suspended", "closed", "withdrawn")
REGISTERED = ("active", "suspended", "closed")  # verified by a grid worker at some point
LIVE = ("declared", "active", "suspended", "closed")  # holds its address: a second declaration is a duplicate
RENT_TYPES = ("whole", "shared", "rooms")


class House(db.Model):
    """A rental unit at one standard address (and optionally one part of it), its landlord and capacity.

    `occupants` counts pending and active tenancies; the CHECK keeps it within max_occupants whatever races.
    """

    __tablename__ = "houses"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        CheckConstraint(f"rent_type IN ({', '.join(repr(s) for s in RENT_TYPES)})", name="rent_type"),
        CheckConstraint("max_occupants IS NULL OR max_occupants > 0", name="max_occupants_positive"),
        CheckConstraint("occupants >= 0 AND (max_occupants IS NULL OR occupants <= max_occupants)", name="capacity"),
        Index("ix_houses_scope_code_prefix", "scope_code", postgresql_ops={"scope_code": "varchar_pattern_ops"}),
        Index(
            "uq_houses_live_unit",
            "address_id",
            "unit_label",
            unique=True,
            postgresql_where=text("status IN ('declared', 'active', 'suspended', 'closed')"),
            sqlite_where=text("status IN ('declared', 'active', 'suspended', 'closed')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"), index=True)
    # The part of the address that is let ('' = all of it), e.g. "北间" in a shared flat.
    unit_label: Mapped[str] = mapped_column(String(40), default="", server_default="")
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The address's scope code, copied so region-scoped lists need no join.
    scope_code: Mapped[str] = mapped_column(String(15))
    status: Mapped[str] = mapped_column(String(12), default="declared")
    rent_type: Mapped[str] = mapped_column(String(8), default="whole", server_default="whole")
    rooms: Mapped[int | None] = mapped_column(Integer)
    floor_area: Mapped[float | None] = mapped_column(Float)
    max_occupants: Mapped[int | None] = mapped_column(Integer)
    occupants: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fire_self_check: Mapped[dict] = mapped_column(JSON, default=dict)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    address: Mapped[Address] = relationship()
    landlord: Mapped[User | None] = relationship()

    @property
    def registered(self) -> bool:
        return self.status in REGISTERED
