"""Upload a camera photo (sanitised before it is stored), and read one back."""

import io
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, request
from flask_login import current_user

from backend.api.routing import route
from backend.auth.scope import may_see_house
from backend.errors import MenpaiError, NotFound, ValidationError
from backend.extensions import db
from backend.fire.models import FireNotice, NoticeItem
from backend.houses.models import House
from backend.uploads import contracts as c
from backend.uploads.images import ImageRejected, sanitise
from backend.uploads.models import Photo
from backend.verification.models import Verification

UPLOAD_ROLES = ("landlord", "grid_worker", "fire_officer", "supervisor", "admin")
# A refused upload's status and code; anything else the sanitiser refuses is a 400 validation_failed.
REFUSALS = {
    "error.upload_too_large": (413, "upload_too_large"),
    "error.upload_too_many_pixels": (413, "image_too_large"),
    "error.upload_busy": (503, "busy"),
}


def photo_dir() -> Path:
    folder = Path(current_app.config.get("PHOTO_DIR") or Path(current_app.instance_path) / "photos")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _upload() -> BinaryIO:
    """The uploaded file: a multipart part stays in the file werkzeug spooled it to, read as it is decoded."""
    if request.mimetype == "multipart/form-data":
        file = request.files.get("photo")
        if file is None:
            raise ValidationError(fields={"photo": "error.required"})
        return file.stream
    return io.BytesIO(request.get_data())


@route(
    "/photos",
    "POST",
    summary="Upload one photo (multipart field `photo`, JPEG/PNG/WebP); stored re-encoded, without EXIF or GPS",
    tag="photos",
    roles=UPLOAD_ROLES,
    response=c.Photo,
    status=201,
    errors=(400, 413, 503),
)
def photo_upload():
    try:
        clean = sanitise(_upload(), max_bytes=current_app.config["PHOTO_MAX_MB"] * 1024 * 1024)
    except ImageRejected as err:
        raise _refusal(err) from None
    path = photo_dir() / f"{clean.sha256}.jpg"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(clean.data)
        tmp.replace(path)
    photo = Photo(
        sha256=clean.sha256,
        width=clean.width,
        height=clean.height,
        size=len(clean.data),
        uploaded_by_id=current_user.id,
    )
    db.session.add(photo)
    db.session.flush()
    return {"id": photo.id, "width": photo.width, "height": photo.height, "size": photo.size}, 201


def _refusal(err: ImageRejected) -> MenpaiError:
    status, code = REFUSALS.get(err.reason, (400, "validation_failed"))
    headers = {"Retry-After": "5"} if status == 503 else None
    message = err.reason if status != 400 else None  # a 400 keeps the generic message, its field says why
    return MenpaiError(message, code=code, status=status, fields={"photo": err.reason}, headers=headers, **err.params)


def _may_see(photo: Photo) -> bool:
    if photo.uploaded_by_id == current_user.id:
        return True
    house_id = photo.house_id
    if photo.verification_id:
        house_id = db.session.get(Verification, photo.verification_id).house_id
    if photo.notice_item_id:  # rectification evidence: the officer re-inspecting must see it
        house_id = db.session.get(FireNotice, db.session.get(NoticeItem, photo.notice_item_id).notice_id).house_id
    house = db.session.get(House, house_id) if house_id else None
    return house is not None and may_see_house(current_user, house)


@route(
    "/photos/<int:photo_id>",
    summary="A stored photo (its uploader, the house's landlord, staff in scope)",
    tag="photos",
    roles=UPLOAD_ROLES,
    produces=("image/jpeg",),
    errors=(404,),
)
def photo_get(photo_id):
    photo = db.session.get(Photo, photo_id)
    if photo is None or not _may_see(photo):
        raise NotFound()
    data = (photo_dir() / f"{photo.sha256}.jpg").read_bytes()
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})


def init_app(app):
    """Photos: uploaded once, shrunk, attached to what they show."""
    # the routes above are registered on import
