"""Standard addresses (标准地址): the registry doorplates are made from."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.regions.models import Region
from backend.types import UTCDateTime, utcnow

COMPONENTS = ("road", "door_number", "compound", "building", "unit", "floor", "room")


class Address(db.Model):
    """One standard address: components, full text, a WGS84 point, its region and its grid."""

    __tablename__ = "addresses"
    __table_args__ = (
        Index("ix_addresses_scope_code_prefix", "scope_code", postgresql_ops={"scope_code": "varchar_pattern_ops"}),
        # Trigram index for search's LIKE '%…%' terms (pg_trgm). PostgreSQL only: SQLite has no such index.
        Index(
            "ix_addresses_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    # The grid's code once assigned, else the region's: the one column scope filters look at.
    scope_code: Mapped[str] = mapped_column(String(15))
    road: Mapped[str] = mapped_column(String(100))
    door_number: Mapped[str] = mapped_column(String(20))
    compound: Mapped[str | None] = mapped_column(String(100))
    building: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(20))
    floor: Mapped[str | None] = mapped_column(String(10))
    room: Mapped[str | None] = mapped_column(String(20))
    full_text: Mapped[str] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(String(400))
    point = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship(foreign_keys=[region_id])
    grid: Mapped[Region | None] = relationship(foreign_keys=[grid_id])
