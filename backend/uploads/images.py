"""Uploaded camera photos: only real JPEG/PNG/WebP, re-encoded upright, bounded and metadata-free.

Memory is bounded before anything is decoded: the header gives the size, a JPEG is decoded at a reduced scale
(`draft`), and the pixels that would be decoded must fit MAX_DECODED_PIXELS. One decode at a time per process
(DECODE_SLOTS), so parallel uploads in one worker queue instead of multiplying the peak; the decoded image is
shrunk in place (or in bands of rows when it must be flattened) so no second full-size copy is held.
"""

import ctypes
import hashlib
import io
import math
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
JPEG_QUALITY = 85
WHITE = (255, 255, 255)
# Pixels decoded for one upload: 16 MP of RGBA is 64 MB, about a third of the 200 MB a worker may reach.
MAX_DECODED_PIXELS = 16_000_000
# Pixels a JPEG header may declare: it decodes at down to 1/8 scale, so a 200 MP phone photo still fits the budget.
# Pillow's own bomb check (a warning above, an error above twice this) is the backstop for every format.
MAX_DECLARED_PIXELS = 200_000_000
Image.MAX_IMAGE_PIXELS = MAX_DECLARED_PIXELS
DECODE_SLOTS = 1
DECODE_WAIT_S = 30
BAND_PIXELS = 1 << 20
_slots = threading.BoundedSemaphore(DECODE_SLOTS)
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def _return_freed_buffers() -> None:
    """Make glibc give decode buffers (≥ 1 MB) back to the system when they are freed.

    By default glibc raises its mmap threshold to the size of the largest block freed (up to 32 MB), after which
    image buffers come from per-thread malloc arenas that keep the memory: 8 threads decoding 12 MP photos one
    after another left a worker at 860 MB instead of 300 MB. A fixed threshold turns that adjustment off.
    """
    with suppress(AttributeError, OSError):  # not glibc: nothing to tune
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 1 << 20)


_return_freed_buffers()
# EXIF Orientation → the transpose that makes the image upright (what ImageOps.exif_transpose applies).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


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
    data: bytes | BinaryIO,
    max_bytes: int = 16 * 1024 * 1024,
    max_pixels: int = MAX_DECODED_PIXELS,
    max_side: int = 2560,
) -> Sanitised:
    """Validate an uploaded photo and return it re-encoded as an upright JPEG with no metadata.

    data is the upload's bytes or a seekable file (an upload spooled to disk is then read a block at a time, never
    held whole). max_pixels bounds the pixels actually decoded (after a JPEG's reduced-scale decoding), checked on
    the header.
    """
    fp = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    _check_size(fp, max_bytes)
    fmt = sniff_format(fp.read(16))
    fp.seek(0)
    with _open(fp, fmt, max_pixels) as img:
        _check_pixels(img, max_pixels, max_side)
        with decode_slot():
            out = _decode(img, max_side)
            encoded = _encode(out)
            size = out.size
    return Sanitised(encoded, "image/jpeg", *size, hashlib.sha256(encoded).hexdigest())


@contextmanager
def decode_slot():
    """Hold one of this process's decode slots; an upload that waits too long is refused as busy."""
    if not _slots.acquire(timeout=DECODE_WAIT_S):
        raise ImageRejected("error.upload_busy")
    try:
        yield
    finally:
        _slots.release()


def sniff_format(data: bytes) -> str:
    """The Pillow format name the leading bytes announce (JPEG, PNG or WEBP)."""
    for magic, fmt in MAGIC.items():
        if data.startswith(magic):
            return fmt
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise ImageRejected("error.upload_not_image")


def _check_size(fp: BinaryIO, max_bytes: int) -> None:
    """Refuse empty or oversized uploads before anything is decoded."""
    size = fp.seek(0, io.SEEK_END)
    fp.seek(0)
    if not size:
        raise ImageRejected("error.upload_empty")
    if size > max_bytes:
        raise ImageRejected("error.upload_too_large", max_mb=_in_units(max_bytes, 1024 * 1024))


def _open(fp: BinaryIO, fmt: str, max_pixels: int) -> Image.Image:
    """Read the header only, with Pillow restricted to the format the magic bytes announced."""
    try:
        # Restricting formats keeps Pillow's other, rarely exercised parsers away from untrusted bytes.
        img = Image.open(fp, formats=[fmt])
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


def _check_pixels(img: Image.Image, max_pixels: int, max_side: int) -> None:
    """Refuse images whose decoded size would be too large, before their pixels are allocated."""
    too_many = ImageRejected("error.upload_too_many_pixels", max_mp=_in_units(max_pixels, 10**6))
    if img.width * img.height > MAX_DECLARED_PIXELS:
        raise too_many
    _draft(img, max_side)  # a JPEG now reports the reduced size it will decode at; nothing is decoded yet
    if img.width * img.height > max_pixels:
        raise too_many


def _decode(img: Image.Image, max_side: int) -> Image.Image:
    """Decode the pixels and return an upright RGB image whose longest side is at most max_side."""
    try:
        orientation = img.getexif().get(0x0112)
        img.load()
        out = _upright(_shrink(img, max_side), orientation)
    except Exception:
        # Decoders signal truncated or malformed data with OSError, ValueError, SyntaxError, struct.error and more.
        raise ImageRejected("error.upload_corrupt") from None
    # JPEG save falls back to info["comment"], so a comment in the upload would otherwise survive re-encoding.
    out.info = {}
    return out


def _shrink(img: Image.Image, max_side: int) -> Image.Image:
    """An RGB copy on white whose longest side is at most max_side, never two full-size copies at once."""
    if img.mode in ("RGB", "L") and not img.has_transparency_data:
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # in place: the full-size pixels are freed
        return img if img.mode == "RGB" else img.convert("RGB")
    # Converting or flattening the whole image would allocate a second full-size copy: do it a band of rows at a
    # time, box-reducing each band by the integer factor thumbnail's reducing_gap would have used.
    factor = max(1, max(img.size) // (2 * max_side))
    rows = max(factor, BAND_PIXELS // img.width // factor * factor)
    canvas = Image.new("RGB", (math.ceil(img.width / factor), math.ceil(img.height / factor)), WHITE)
    for top in range(0, img.height, rows):
        band = _flatten(img.crop((0, top, img.width, min(img.height, top + rows))))
        canvas.paste(band.reduce(factor) if factor > 1 else band, (0, top // factor))
    img.close()
    canvas.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return canvas


def _upright(img: Image.Image, orientation: int | None) -> Image.Image:
    """The image turned the way its EXIF Orientation says it was held."""
    method = UPRIGHT.get(orientation)
    return img.transpose(method) if method is not None else img


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
    out.paste(rgba, mask=rgba)
    return out


def _encode(img: Image.Image) -> bytes:
    """Baseline JPEG bytes with no EXIF, XMP, ICC profile or comment."""
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY, progressive=False)
    return buf.getvalue()


def _in_units(value: int, unit: int) -> int | float:
    """value / unit for a message: a whole number when exact, else one decimal."""
    return value // unit if value % unit == 0 else round(value / unit, 1)
