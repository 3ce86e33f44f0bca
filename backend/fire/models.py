"""Fire notices (消防通知): reminders, rectification orders with items and deadlines, penalty decisions; campaigns."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.types import UTCDateTime, utcnow

KINDS = ("reminder", "rectification", "penalty")
OPEN = ("issued", "delivered", "read", "submitted", "overdue", "escalated")
STATUSES = (*OPEN, "closed", "cancelled")
OUTCOMES = ("accepted", "partly_accepted", "acknowledged", "resolved", "cancelled")
ITEM_STATES = ("open", "submitted", "passed", "failed")


class FireNotice(db.Model):
    """A reminder (温馨提示), rectification order (整改通知) or penalty decision (处罚决定) for one house."""

    __tablename__ = "fire_notices"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        Index("ix_fire_notices_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default="issued")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    deadline: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[float | None] = mapped_column(Numeric(12, 2))  # penalty, yuan
    decision_number: Mapped[str | None] = mapped_column(String(64))
    # A partly accepted order is followed by a new one carrying only the failed items.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("fire_notices.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))

    items: Mapped[list["NoticeItem"]] = relationship(order_by="NoticeItem.position", back_populates="notice")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class NoticeItem(db.Model):
    """One thing to put right: what is wrong, the standard it must meet, and the landlord's evidence."""

    __tablename__ = "notice_items"
    __table_args__ = (CheckConstraint(f"status IN ({', '.join(repr(s) for s in ITEM_STATES)})", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("fire_notices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    standard: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="open")
    note: Mapped[str | None] = mapped_column(String(1000))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The item of the earlier order this one carries over.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("notice_items.id"))

    notice: Mapped[FireNotice] = relationship(back_populates="items")


class Campaign(db.Model):
    """One notice to every live rental in a region; re-running the same campaign notifies nobody twice."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("region_code", "kind", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(15))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignResult(db.Model):
    """What the campaign did at one house: issued a notice, or skipped it and why."""

    __tablename__ = "campaign_results"
    __table_args__ = (UniqueConstraint("campaign_id", "house_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("fire_notices.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # issued / no_landlord
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
