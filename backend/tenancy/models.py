"""People (encrypted), tenancies (入住登记) and residence registrations (居住登记)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.auth.models import User
from backend.extensions import db
from backend.houses.models import House
from backend.types import UTCDateTime, utcnow

TENANCY_STATES = ("pending", "active", "ended", "refused")
OCCUPYING = ("pending", "active")  # they hold a place in the house
# A check-in that presented a stored ID number with another name or phone: open until staff keep the stored record,
# correct it with what was presented, or refuse the check-in (operations.resolve_conflict).
CONFLICT_STATES = ("open", "kept", "corrected", "refused")
END_REASONS = ("house_closed",)  # why a tenancy ended or was refused without its tenant or landlord


class Person(db.Model):
    """A resident. ID number and phone are AES-GCM ciphertexts; the *_index columns are keyed HMACs for lookup."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_enc: Mapped[str] = mapped_column(String(300))  # a 50-character Chinese name seals to ~245
    id_number_enc: Mapped[str] = mapped_column(String(200))
    id_number_index: Mapped[str] = mapped_column(String(32), unique=True)
    phone_enc: Mapped[str] = mapped_column(String(200))
    phone_index: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonRevision(db.Model):
    """What a person's record said before a change: sealed like the record. A record is changed by its holder (a
    correction, or their own check-in with other details) or by audited staff; the older values stay here."""

    __tablename__ = "person_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name_enc: Mapped[str] = mapped_column(String(300))
    phone_enc: Mapped[str] = mapped_column(String(200))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(300))


OCCUPYING_UNIQUE = "status IN ('pending', 'active') AND (conflict IS NULL OR conflict <> 'open')"


class Tenancy(db.Model):
    """A person living in a house: pending (scanned in) → active (landlord confirmed) → ended | refused.

    `houses.occupants` counts the pending and active tenancies of each house; triggers on this table keep it
    (migration 20261204_1718), so no code path can move the count without the rows, nor the rows without the count.
    """

    __tablename__ = "tenancies"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in TENANCY_STATES)})", name="status"),
        # One occupying tenancy per person and house: a double tap is not two tenants. An open conflict stands
        # outside it (an impostor's check-in at the holder's house answers as any other: pending, flagged).
        Index(
            "uq_tenancies_occupying",
            "house_id",
            "person_id",
            unique=True,
            postgresql_where=text(OCCUPYING_UNIQUE),
            sqlite_where=text(OCCUPYING_UNIQUE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    tenant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    room: Mapped[str | None] = mapped_column(String(40))
    move_in: Mapped[date] = mapped_column(Date)
    expected_move_out: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Also at a different house, occupying, when this one began: the same person in two places at once.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tenancies.id"))
    # What a conflicting check-in presented (sealed like Person's fields), for staff to compare; the stored
    # person is never changed by such a check-in.
    conflict: Mapped[str | None] = mapped_column(String(10))
    presented_name_enc: Mapped[str | None] = mapped_column(String(300))
    presented_phone_enc: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(String(20))

    house: Mapped[House] = relationship()
    person: Mapped["Person"] = relationship()
    tenant_user: Mapped[User | None] = relationship(foreign_keys=[tenant_user_id])


class ResidenceRegistration(db.Model):
    """The 居住登记 an active tenancy produces; renewed every RESIDENCE_RENEWAL_MONTHS."""

    __tablename__ = "residence_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenancy_id: Mapped[int] = mapped_column(ForeignKey("tenancies.id"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[date] = mapped_column(Date)
