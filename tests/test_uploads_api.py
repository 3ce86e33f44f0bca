"""Photo uploads through the API: a too-large image is a 413 before decoding, and an upload is never held whole."""

import io
import struct
import zlib

from PIL import Image
from sqlalchemy import func, select
from werkzeug.wrappers import Request

from backend.extensions import db
from backend.uploads.models import Photo


def _png_bomb(width, height):
    """A fully transparent RGBA PNG of width×height pixels in a file of a few hundred KB."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row = zlib.compressobj(9), bytes(1 + 4 * width)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _jpeg(colour):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


def _upload(auth, data, key=None):
    headers = {"X-CSRF-Token": auth.csrf} | ({"Idempotency-Key": key} if key else {})
    return auth.client.post(
        "/api/v1/photos",
        data={"photo": (io.BytesIO(data), "photo.jpg")},
        headers=headers,
        content_type="multipart/form-data",
    )


def _photos(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Photo))


def test_transparent_25_megapixel_png_is_413_image_too_large(app, login_as):
    landlord = login_as("landlord")

    resp = _upload(landlord, _png_bomb(5000, 5000))

    assert resp.status_code == 413, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "image_too_large" and "12.6" in error["message"]
    assert _photos(app) == 0


def test_idempotent_upload_hashes_the_spooled_part_without_reading_the_body(app, login_as, monkeypatch):
    landlord = login_as("landlord")

    def whole_body(self, *args, **kwargs):
        raise AssertionError("the request body was read into memory")

    monkeypatch.setattr(Request, "get_data", whole_body)
    first = _upload(landlord, _jpeg("red"), key="photo-key-1")
    again = _upload(landlord, _jpeg("red"), key="photo-key-1")
    other = _upload(landlord, _jpeg("blue"), key="photo-key-1")

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert _photos(app) == 1
