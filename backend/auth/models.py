"""Users, their server-side sessions and login attempts."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.regions.models import Region
from backend.types import UTCDateTime, utcnow

# "resident": an account made by its holder with their phone (SMS sign-in). It lets houses and lives in them: the
# capacities follow from what the person does (declaring makes them a landlord, a tenancy a tenant).
ROLES = ("resident", "landlord", "tenant", "grid_worker", "fire_officer", "police", "supervisor", "admin")
STAFF_ROLES = ("grid_worker", "fire_officer", "police", "supervisor", "admin")


class User(UserMixin, db.Model):
    """An account. Staff carry a region scope; an admin without one sees everything."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The account's mobile number: sealed like a person's (backend/people/vault.py), found by its blind index. A
    # resident signs in with it; staff with reveal rights confirm their sign-in with a code sent to it.
    phone_enc: Mapped[str | None] = mapped_column(String(200))
    phone_index: Mapped[str | None] = mapped_column(String(32), unique=True)
    # A one-time password set by an admin or supervisor: the next sign-in must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region | None] = relationship()
    # Set by the session loader: the server-side session this request runs under.
    session = None

    @property
    def is_active(self):
        return self.active

    @property
    def is_staff(self):
        return self.role in STAFF_ROLES

    def get_id(self):
        # Flask-Login keeps this in the cookie: the session key, not the user id, so it can be revoked.
        return self.session_key

    session_key = None


class UserSession(db.Model):
    """A login. The cookie holds a random key; the database holds its hash and can revoke it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """One login try, kept to throttle guessing per account and per IP."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    # Set by an admin's unlock: the failure no longer counts towards throttling (kept for the record).
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SmsCode(db.Model):
    """A one-time code sent by SMS: stored only as a keyed hash, single use, a few tries, minutes long. Its rows are
    also the record the send limits count (per phone, per IP, in all)."""

    __tablename__ = "sms_codes"
    __table_args__ = (
        Index("ix_sms_codes_phone_index_created_at", "phone_index", "created_at"),
        Index("ix_sms_codes_ip_created_at", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_index: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16))  # "login" or "second_factor"
    code_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
