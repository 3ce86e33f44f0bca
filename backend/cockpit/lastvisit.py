"""The last field visit of each house (最近走访), kept by the database itself.

A visit is a verification visit, a fire re-inspection of a notice item, or a field staff member's successful
scan of the door (grid worker, fire officer, police). Triggers on verifications, notice_items and scans keep
`house_last_visits` at the latest of them (statement-level with transition tables on PostgreSQL, so a batch of
buffered scans is one upsert; row-level on SQLite), whatever path wrote the row: the app, the scan batcher's
COPY, the city generator. Migration 20261203_1251 (83f8f8fd5937) creates them and fills the table from the history.

The patrol alerts read one row per house from here instead of the union of every visit ever made (on the
1 M-house city: 10 M scans, 950 k verifications).
"""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.types import UTCDateTime

FIELD_ROLES = ("grid_worker", "fire_officer", "police")


class HouseLastVisit(db.Model):
    __tablename__ = "house_last_visits"

    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
