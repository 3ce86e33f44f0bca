"""Photos taken with the camera (declaration, verification, rectification evidence), stored sanitised."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.types import UTCDateTime, utcnow


class Photo(db.Model):
    """A re-encoded JPEG (no EXIF, no GPS) in the instance photo store, named by its SHA-256."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What it is evidence of, once attached: a house (declaration), a verification or a rectification item.
    house_id: Mapped[int | None] = mapped_column(ForeignKey("houses.id"), index=True)
    verification_id: Mapped[int | None] = mapped_column(ForeignKey("verifications.id"), index=True)
    notice_item_id: Mapped[int | None] = mapped_column(ForeignKey("notice_items.id"), index=True)
