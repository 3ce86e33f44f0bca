"""Fire notices (消防通知) to a house. The doorplate page shows the open ones; the fire issue adds the lifecycle."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.types import UTCDateTime, utcnow

KINDS = ("reminder", "rectification", "penalty")
OPEN = ("issued", "delivered", "read", "submitted", "overdue", "escalated")
STATUSES = (*OPEN, "closed", "cancelled")


class FireNotice(db.Model):
    """A reminder (温馨提示), rectification order (整改通知) or penalty decision (处罚决定) for one house."""

    __tablename__ = "fire_notices"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default="issued")
    title: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date | None] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN
