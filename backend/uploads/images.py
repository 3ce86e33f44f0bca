"""Uploaded camera photos: only real JPEG/PNG/WebP, re-encoded upright, bounded and metadata-free."""

import hashlib
import io
import math
from dataclasses import dataclass

from PIL import Image, ImageOps

MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
JPEG_QUALITY = 85
WHITE = (255, 255, 255)


class ImageRejected(Exception):
    """An upload that is not an acceptable photo; reason is a translation key, params fill it in."""

    def __init__(self, reason: str, **params):
        self.reason = reason
        self.params = params
        super().__init__(reason)


@dataclass(frozen=True)
class Sanitised:
    """A re-encoded upload: JPEG bytes without metadata, their size in pixels and their SHA-256."""

    data: bytes
    mime: str
    width: int
    height: int
    sha256: str


def sanitise(
    data: bytes, max_bytes: int = 10 * 1024 * 1024, max_pixels: int = 25_000_000, max_side: int = 2560
) -> Sanitised:
    """Validate an uploaded photo and return it re-encoded as an upright JPEG with no metadata."""
    _check_size(data, max_bytes)
    fmt = sniff_format(data)
    with _open(data, fmt, max_pixels) as img:
        _check_pixels(img, max_pixels)
        out = _decode(img, max_side)
    encoded = _encode(out)
    return Sanitised(encoded, "image/jpeg", out.width, out.height, hashlib.sha256(encoded).hexdigest())


def sniff_format(data: bytes) -> str:
    """The Pillow format name the leading bytes announce (JPEG, PNG or WEBP)."""
    for magic, fmt in MAGIC.items():
        if data.startswith(magic):
            return fmt
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise ImageRejected("error.upload_not_image")


def _check_size(data: bytes, max_bytes: int) -> None:
    """Refuse empty or oversized uploads before anything is decoded."""
    if not data:
        raise ImageRejected("error.upload_empty")
    if len(data) > max_bytes:
        raise ImageRejected("error.upload_too_large", max_mb=_in_units(max_bytes, 1024 * 1024))


def _open(data: bytes, fmt: str, max_pixels: int) -> Image.Image:
    """Read the header only, with Pillow restricted to the format the magic bytes announced."""
    try:
        # Restricting formats keeps Pillow's other, rarely exercised parsers away from untrusted bytes.
        img = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning only arrives as an exception where warnings are errors; elsewhere _check_pixels refuses it.
        raise ImageRejected("error.upload_too_many_pixels", max_mp=_in_units(max_pixels, 10**6)) from None
    except Exception:
        # Right magic bytes but no readable header (Pillow says UnidentifiedImageError, OSError or worse): the
        # content is not a photo Pillow recognises; "corrupt" is kept for pixel data that fails to decode.
        raise ImageRejected("error.upload_not_image") from None
    if img.format != fmt:
        img.close()
        raise ImageRejected("error.upload_not_image")
    return img


def _check_pixels(img: Image.Image, max_pixels: int) -> None:
    """Refuse images whose declared size is too large, before their pixels are allocated."""
    if img.width * img.height > max_pixels:
        raise ImageRejected("error.upload_too_many_pixels", max_mp=_in_units(max_pixels, 10**6))


def _decode(img: Image.Image, max_side: int) -> Image.Image:
    """Decode the pixels and return an upright RGB image whose longest side is at most max_side."""
    try:
        _draft(img, max_side)
        img.load()
        out = _flatten(ImageOps.exif_transpose(img))
        out.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except Exception:
        # Decoders signal truncated or malformed data with OSError, ValueError, SyntaxError, struct.error and more.
        raise ImageRejected("error.upload_corrupt") from None
    # JPEG save falls back to info["comment"], so a comment in the upload would otherwise survive re-encoding.
    out.info = {}
    return out


def _draft(img: Image.Image, max_side: int) -> None:
    """Let the JPEG decoder scale down by a power of two while the longest side stays at least max_side."""
    longest = max(img.size)
    if longest > max_side:
        img.draft(None, (math.ceil(img.width * max_side / longest), math.ceil(img.height * max_side / longest)))


def _flatten(img: Image.Image) -> Image.Image:
    """Convert to RGB, compositing any transparency onto white."""
    if not img.has_transparency_data:
        return img.convert("RGB")
    rgba = img.convert("RGBA")
    out = Image.new("RGB", rgba.size, WHITE)
    out.paste(rgba, mask=rgba.getchannel("A"))
    return out


def _encode(img: Image.Image) -> bytes:
    """Baseline JPEG bytes with no EXIF, XMP, ICC profile or comment."""
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY, progressive=False)
    return buf.getvalue()


def _in_units(value: int, unit: int) -> int | float:
    """value / unit for a message: a whole number when exact, else one decimal."""
    return value // unit if value % unit == 0 else round(value / unit, 1)
