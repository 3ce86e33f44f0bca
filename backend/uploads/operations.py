"""Photos as evidence: the uploader's own free photos attached to what they prove (a house, a visit, a notice item)."""

from sqlalchemy import select, update

from backend.errors import NotFound
from backend.extensions import db
from backend.uploads.models import Photo


def attach_photos(user, photo_ids, field: str = "photos", **owner) -> None:
    """Mark the user's own, not yet attached photos as evidence of owner (house_id=, verification_id= or
    notice_item_id=). 404 error.unknown_photo on `field` when any is not the user's or already attached."""
    if not photo_ids:
        return
    free = (
        Photo.id.in_(photo_ids),
        Photo.uploaded_by_id == user.id,
        Photo.house_id.is_(None),
        Photo.verification_id.is_(None),
        Photo.notice_item_id.is_(None),
    )
    found = set(db.session.scalars(select(Photo.id).where(*free)))
    if found != set(photo_ids):
        raise NotFound("error.unknown_photo", fields={field: "error.unknown_photo"})
    db.session.execute(update(Photo).where(Photo.id.in_(photo_ids)).values(**owner))
