"""Verification (核验): the grid worker's task for a declared house and the visit that settles it."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, String, select, text
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from backend.auth.models import User
from backend.extensions import db
from backend.houses.models import House
from backend.types import UTCDateTime, utcnow

# What a worker may answer; an approval from too far (or with no fix) is stored as needs_review (operations.py).
WORKER_OUTCOMES = ("approved", "rejected", "needs_fix")
OUTCOMES = (*WORKER_OUTCOMES, "needs_review")
# review: an approval waiting for the township supervisor (approve -> done, send back -> open).
TASK_STATES = ("open", "review", "done", "cancelled")
# The verification backlog: houses not yet verified, a visit still to make or waiting for the supervisor.
UNVERIFIED = ("open", "review")
REVIEW_DECISIONS = ("approved", "sent_back")
FAR_M = 100  # a fix further than this from the address point is flagged


class VerificationTask(db.Model):
    """A house waiting for a visit, owned by the grid that contains its address."""

    __tablename__ = "verification_tasks"
    __table_args__ = (
        CheckConstraint(f"state IN ({', '.join(repr(s) for s in TASK_STATES)})", name="state"),
        Index(
            "ix_verification_tasks_scope_code_prefix",
            "scope_code",
            postgresql_ops={"scope_code": "varchar_pattern_ops"},
        ),
        # The cockpit's hours-to-verify: tasks closed in a period, read from the index alone (PostgreSQL INCLUDE).
        Index(
            "ix_verification_tasks_done_closed",
            "closed_at",
            postgresql_include=["scope_code", "created_at"],
            postgresql_where=text("state = 'done'"),
            sqlite_where=text("state = 'done'"),
        ),
        # One open task per house at a time.
        Index(
            "uq_verification_tasks_open_house",
            "house_id",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    scope_code: Mapped[str] = mapped_column(String(15))
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    house: Mapped[House] = relationship()


class Verification(db.Model):
    """One visit: where the worker stood (and how far that is from the door), photos, checklist, outcome."""

    __tablename__ = "verifications"
    __table_args__ = (CheckConstraint(f"outcome IN ({', '.join(repr(o) for o in OUTCOMES)})", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("verification_tasks.id"), index=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No fix at all (GPS refused or unavailable): no point, accuracy or distance, and the visit goes to review.
    point = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)  # computed in the database from the address point
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[list] = mapped_column(JSON, default=list)  # "far", "imprecise", "no_fix"
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(12))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(500))

    worker: Mapped[User] = relationship()


class VerificationReview(db.Model):
    """A township supervisor's decision on a visit that went to review: approved (activates) or sent back."""

    __tablename__ = "verification_reviews"
    __table_args__ = (
        CheckConstraint(f"decision IN ({', '.join(repr(d) for d in REVIEW_DECISIONS)})", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("verification_tasks.id"), index=True)
    verification_id: Mapped[int] = mapped_column(ForeignKey("verifications.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(500))


def latest_visit_id():
    """The id of a task's latest visit, correlated to VerificationTask (the visit a review decides on)."""
    other = aliased(Verification)
    return (
        select(other.id)
        .where(other.task_id == VerificationTask.id)
        .order_by(other.id.desc())
        .limit(1)
        .correlate(VerificationTask)
        .scalar_subquery()
    )
