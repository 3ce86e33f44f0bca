"""Push subscriptions, the notification outbox, the in-app inbox and the development SMS record."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.types import UTCDateTime, utcnow

CHANNELS = ("push", "sms")
STATUSES = ("queued", "sent", "failed", "dead")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PushSubscription(db.Model):
    """One browser's PushSubscription (endpoint + keys), owned by the user last signed in on it."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    """One message to send on one channel (a push row per subscription); the worker sends it and records how it went.

    dedup_key is unique per user and channel, so a reminder is never queued twice; push rows carry the caller's key
    qualified with the subscription id, since one message goes to each of the user's browsers.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        UniqueConstraint("user_id", "channel", "dedup_key"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL"), index=True
    )
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboxMessage(db.Model):
    """The in-app copy of every notification: written in the caller's transaction, whatever push or SMS do."""

    __tablename__ = "inbox_messages"
    __table_args__ = (UniqueConstraint("user_id", "dedup_key"), Index("ix_inbox_messages_user", "user_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("fire_notices.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(1000))
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsMessage(db.Model):
    """A text the development SMS gateway 'sent': what a real gateway would have delivered."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # To an account, or to a phone that has none yet (a sign-in code): the phone sealed, found by its blind index.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    phone_enc: Mapped[str | None] = mapped_column(String(200))
    phone_index: Mapped[str | None] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    gateway_ref: Mapped[str] = mapped_column(String(64))
