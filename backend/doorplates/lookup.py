"""Read what a scan needs about a plate in one query (the landing page is the hottest path there is)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select

from backend.addresses.models import Address
from backend.doorplates import token as tokens
from backend.doorplates.models import Doorplate
from backend.extensions import db
from backend.fire.models import OPEN, FireNotice
from backend.houses.colour import colour_expr
from backend.houses.models import REGISTERED, House
from backend.overdue import notice_status


@dataclass(frozen=True)
class NoticeView:
    kind: str
    status: str
    title: str
    deadline: date | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class PlateView:
    """A doorplate with its house, address and open fire notices, as plain values."""

    id: int
    plate_id: int
    version: int
    key_id: str
    state: str
    house_id: int
    house_status: str
    max_occupants: int | None
    scope_code: str
    landlord_id: int | None
    address: str
    address_code: str
    occupants: int
    colour: str
    notices: tuple[NoticeView, ...]

    @property
    def short_code(self) -> str:
        return tokens.short_code(self.plate_id, self.version)

    @property
    def registered(self) -> bool:
        return self.house_status in REGISTERED


PLATE_COLUMNS = (
    Doorplate.id,
    Doorplate.plate_id,
    Doorplate.version,
    Doorplate.key_id,
    Doorplate.state,
    House.id.label("house_id"),
    House.status.label("house_status"),
    House.max_occupants,
    House.scope_code,
    House.landlord_id,
    Address.full_text.label("address"),
    Address.code.label("address_code"),
    House.occupants,
    colour_expr().label("colour"),
)
# The status as of today (an order past its deadline reads "overdue" before any sweep ran): backend/overdue.py.
NOTICE_COLUMNS = (FireNotice.kind, notice_status().label("notice_status"), FireNotice.title, FireNotice.deadline)

_QUERY = (
    select(*PLATE_COLUMNS, *NOTICE_COLUMNS)
    .join(House, Doorplate.house_id == House.id)
    .join(Address, House.address_id == Address.id)
    .outerjoin(FireNotice, and_(FireNotice.house_id == House.id, FireNotice.status.in_(OPEN)))
    .order_by(FireNotice.deadline.is_(None), FireNotice.deadline)
)


def load_plate(plate_id: int) -> PlateView | None:
    """The plate with this random id, or None."""
    rows = db.session.execute(_QUERY.where(Doorplate.plate_id == plate_id)).all()
    if not rows:
        return None
    first = rows[0]._mapping
    notices = tuple(NoticeView(r.kind, r.notice_status, r.title, r.deadline) for r in rows if r.kind is not None)
    return PlateView(**{c: first[c] for c in PlateView.__dataclass_fields__ if c != "notices"}, notices=notices)
