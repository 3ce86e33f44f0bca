"""Doorplates (门牌码), their revoked versions, and every scan of one."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.doorplates import token as tokens
from backend.extensions import db
from backend.houses.models import House
from backend.types import UTCDateTime, utcnow

STATES = ("pending", "active", "revoked")
REVOKE_REASONS = ("lost", "damaged", "moved", "withdrawn", "other")
SCAN_RESULTS = ("ok", "tampered", "revoked", "unknown")
SCAN_CHANNELS = ("page", "api", "short_code")


class Doorplate(db.Model):
    """The plate of one house. plate_id is random (the opaque id in the token); version counts re-issues."""

    __tablename__ = "doorplates"
    __table_args__ = (
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in STATES)})", name="state"),
        CheckConstraint(f"plate_id >= 0 AND plate_id < {tokens.MAX_PLATE_ID}", name="plate_id_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), unique=True)
    plate_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    key_id: Mapped[str] = mapped_column(String(1))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # of the current version
    print_count: Mapped[int] = mapped_column(Integer, default=0)  # of the current version

    house: Mapped[House] = relationship()

    @property
    def short_code(self) -> str:
        return tokens.short_code(self.plate_id, self.version)


class DoorplateRevocation(db.Model):
    """One version taken out of use: a lost, damaged or moved plate. Scans of it say "replaced"."""

    __tablename__ = "doorplate_revocations"
    __table_args__ = (
        UniqueConstraint("doorplate_id", "version"),
        CheckConstraint(f"reason IN ({', '.join(repr(r) for r in REVOKE_REASONS)})", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doorplate_id: Mapped[int] = mapped_column(ForeignKey("doorplates.id"))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(200))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Scan(db.Model):
    """One scan of a doorplate (or a typed short code). Anonymous scans keep nothing about the scanner."""

    __tablename__ = "scans"
    __table_args__ = (
        CheckConstraint(f"result IN ({', '.join(repr(r) for r in SCAN_RESULTS)})", name="result"),
        CheckConstraint(f"channel IN ({', '.join(repr(c) for c in SCAN_CHANNELS)})", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    doorplate_id: Mapped[int | None] = mapped_column(ForeignKey("doorplates.id"), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    # Where a signed-in staff member stood, when the app sent a fix; never for anonymous scans.
    point = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)


class ScanCount(db.Model):
    """How many scans a doorplate has had, kept by database triggers on scans (migration 20261203_2020) whatever
    wrote them (the app, the scan batcher's COPY, the city generator): the house card shows it without counting a
    busy door's thousands of rows on every read."""

    __tablename__ = "doorplate_scan_counts"

    doorplate_id: Mapped[int] = mapped_column(ForeignKey("doorplates.id", ondelete="CASCADE"), primary_key=True)
    scans: Mapped[int] = mapped_column(BigInteger, default=0)
