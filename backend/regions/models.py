"""The region tree: province > city > county > township > community > grid."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.types import UTCDateTime, utcnow

LEVELS = ("province", "city", "county", "township", "community", "grid")
# GB/T 2260 + statistics division codes down to community (12 digits); grids are ours: community + 3.
CODE_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9, "community": 12, "grid": 15}


def parent_level(level: str) -> str | None:
    i = LEVELS.index(level)
    return LEVELS[i - 1] if i else None


class Region(db.Model):
    """A node of the division tree. A code extends its parent's code, so a scope is a code prefix."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(f"level IN ({', '.join(repr(v) for v in LEVELS)})", name="level"),
        # LIKE 'prefix%' needs a pattern-ops index on PostgreSQL under a non-C collation.
        Index("ix_regions_code_prefix", "code", postgresql_ops={"code": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped["Region | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Region"]] = relationship(back_populates="parent", order_by="Region.code")

    def ancestors(self) -> list["Region"]:
        """From the root down to the parent."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def covers(self, code: str) -> bool:
        """True if code is this region or lies below it."""
        return code.startswith(self.code)

    def __repr__(self):
        return f"<Region {self.code} {self.name}>"
