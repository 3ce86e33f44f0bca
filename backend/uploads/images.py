"""Uploaded camera photos: only real JPEG/PNG/WebP, re-encoded upright, bounded and metadata-free.

Memory is bounded before anything is decoded: the header gives the size, a JPEG is decoded at a reduced scale
(`draft`), and the pixels that would be decoded must fit MAX_DECODED_PIXELS. One decode at a time per process
(DECODE_SLOTS), so parallel uploads in one worker queue instead of multiplying the peak; the decoded image is
flattened and shrunk a band of rows at a time, so no second full-size copy is held (bench/uploads.md).
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
# Pixels decoded for one upload. Pillow holds RGB and RGBA at 4 bytes a pixel: 12.6 MP is 48 MiB, plus 25 MiB for
# the output and a band keeps a worker (120 MB with the app loaded) under 200 MB. A 12 MP phone photo (4032×3024)
# decodes whole; a larger JPEG decodes at 1/2, 1/4 or 1/8 scale; a larger PNG or WebP is refused.
MAX_DECODED_PIXELS = 12_600_000
# Pixels a JPEG header may declare: it decodes at down to 1/8 scale, so a 200 MP phone photo still fits the budget.
# Pillow's own bomb check (a warning above, an error above twice this) is the backstop for every format.
MAX_DECLARED_PIXELS = 200_000_000
Image.MAX_IMAGE_PIXELS = MAX_DECLARED_PIXELS
DECODE_SLOTS = 1
DECODE_WAIT_S = 30
BAND_PIXELS = 1 << 18
_slots = threading.BoundedSemaphore(DECODE_SLOTS)
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameters


def _return_freed_buffers() -> None:
    """Make glibc give decode buffers (≥ 1 MB) back to the system when they are freed, and share its arenas.

    By default glibc raises its mmap threshold to the size of the largest block freed (up to 32 MB), after which
    image buffers come from per-thread malloc arenas that keep the memory: 8 threads decoding 12 MP photos one
    after another left a worker at 860 MB instead of 190 MB. A fixed threshold turns that adjustment off; two
    arenas instead of one per thread keep the decoders' smaller buffers from piling up per thread (10 MB more).
    """
    with suppress(AttributeError, OSError):  # not glibc: nothing to tune
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, 1 << 20)
        libc.mallopt(M_ARENA_MAX, 2)


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
    _draft(img, max_side, max_pixels)  # a JPEG now reports the reduced size it will decode at; nothing is decoded
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
    """An RGB copy on white whose longest side is at most max_side, made a band of rows at a time.

    Converting, flattening or resizing the whole image at once would hold a second full-size copy (Pillow resizes
    RGBA through a premultiplied copy, and its two-pass Lanczos through a full-width intermediate); a band costs
    BAND_PIXELS. Each band is resized with its source rows plus the filter's reach, so the bands join seamlessly.
    """
    size = _fit(img.size, max_side)
    out = Image.new("RGB", size, WHITE)
    scale = img.height / size[1]
    reach = math.ceil(3 * max(scale, 1)) + 1  # Lanczos reads 3 source pixels (times the scale) either side
    rows = max(1, int(BAND_PIXELS / img.width / scale))
    for top in range(0, size[1], rows):
        bottom = min(size[1], top + rows)
        first, last = top * scale, bottom * scale
        crop_top = max(0, math.floor(first) - reach)
        band = _flatten(img.crop((0, crop_top, img.width, min(img.height, math.ceil(last) + reach))))
        if size != img.size:
            box = (0, first - crop_top, img.width, last - crop_top)
            band = band.resize((size[0], bottom - top), Image.Resampling.LANCZOS, box=box)
        out.paste(band, (0, top))
    return out


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """size scaled to fit a max_side square, rounded as Image.thumbnail rounds (to the closer aspect ratio)."""
    width, height = size
    if max(size) <= max_side:
        return size
    aspect = width / height
    if width >= height:
        return max_side, _closest(max_side / aspect, lambda n: abs(aspect - max_side / n) if n else 0)
    return _closest(max_side * aspect, lambda n: abs(aspect - n / max_side)), max_side


def _closest(value: float, error) -> int:
    return max(1, min(math.floor(value), math.ceil(value), key=error))


def _upright(img: Image.Image, orientation: int | None) -> Image.Image:
    """The image turned the way its EXIF Orientation says it was held."""
    method = UPRIGHT.get(orientation)
    return img.transpose(method) if method is not None else img


def _draft(img: Image.Image, max_side: int, max_pixels: int) -> None:
    """Let the JPEG decoder scale down by 2, 4 or 8: as far as max_side allows, further if max_pixels needs it."""
    if img.format != "JPEG":
        return
    width, height = img.size
    fits = [s for s in (1, 2, 4, 8) if math.ceil(width / s) * math.ceil(height / s) <= max_pixels]
    sharp = [s for s in (1, 2, 4, 8) if max(width, height) // s >= max_side]
    scale = max(fits[:1] + sharp[-1:] or [1])
    if scale > 1:
        img.draft(None, (width // scale, height // scale))  # Pillow picks the largest scale still reaching this


def _flatten(img: Image.Image) -> Image.Image:
    """Convert to RGB, compositing any transparency onto white."""
    if not img.has_transparency_data:
        return img if img.mode == "RGB" else img.convert("RGB")
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
