"""The notice list as a query: a landlord's own houses' notices, or an officer's in scope (auth/scope.py); the
evidence photos of a notice's items."""

from sqlalchemy import Select, or_, select

from backend.addresses.models import Address
from backend.auth.scope import visible_houses
from backend.extensions import db
from backend.fire.models import OPEN, FireNotice
from backend.houses.models import House
from backend.overdue import notice_overdue
from backend.uploads.models import Photo


def notices(user, house_id: int | None = None, only_open=False, overdue=False, mine=False) -> Select:
    """(notice, address, unit label) rows user may see, soonest deadline first (none last), at most 500.
    overdue: past the deadline awaiting evidence, or escalated; mine: an officer's own issued notices."""
    query = (
        select(FireNotice, Address.full_text, House.unit_label)
        .join(House, FireNotice.house_id == House.id)
        .join(Address, House.address_id == Address.id)
        .where(visible_houses(user))
    )
    if house_id is not None:
        query = query.where(FireNotice.house_id == house_id)
    if only_open:
        query = query.where(FireNotice.status.in_(OPEN))
    if overdue:
        query = query.where(or_(notice_overdue(), FireNotice.status == "escalated"))
    if mine and user.role == "fire_officer":
        query = query.where(FireNotice.issued_by_id == user.id)
    return query.order_by(FireNotice.deadline.is_(None), FireNotice.deadline, FireNotice.id).limit(500)


def item_photos(notice: FireNotice) -> dict[int, list[int]]:
    """item id -> the ids of its evidence photos."""
    photos: dict[int, list[int]] = {}
    rows = db.session.execute(
        select(Photo.id, Photo.notice_item_id)
        .where(Photo.notice_item_id.in_([i.id for i in notice.items]))
        .order_by(Photo.id)
    )
    for photo_id, item_id in rows:
        photos.setdefault(item_id, []).append(photo_id)
    return photos
