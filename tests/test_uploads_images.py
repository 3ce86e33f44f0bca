"""Upload sanitising: only real JPEG/PNG/WebP photos pass, re-encoded upright, bounded and without metadata."""

import hashlib
import io
import struct
import subprocess
import sys
import textwrap
import threading
import zlib

import pytest
from PIL import Image, ImageChops, ImageFile

from backend.uploads import images
from backend.uploads.images import ImageRejected, sanitise

APP1, APP2, COM, SOS = 0xE1, 0xE2, 0xFE, 0xDA


def _encode(img, fmt, **params):
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _decoded(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _jpeg_markers(data):
    """The marker codes of a JPEG's segments up to the start of the scan."""
    markers, i = [], 2
    while True:
        assert data[i] == 0xFF
        marker = data[i + 1]
        markers.append(marker)
        if marker == SOS:
            return markers
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")


def _png_header_only(width, height):
    """A PNG that declares width×height but carries no pixel data."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _rejected(data, **limits):
    with pytest.raises(ImageRejected) as caught:
        sanitise(data, **limits)
    return caught.value


def _phone_photo():
    """A 40×20 JPEG stored sideways (Orientation 6) with GPS EXIF, XMP, an ICC profile and a comment."""
    img = Image.new("RGB", (40, 20), "blue")
    img.paste((255, 0, 0), (0, 0, 40, 10))  # top of the stored image: the right-hand side once upright
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">exif:GPSLatitude 30,15N</x:xmpmeta>'
    return _encode(img, "JPEG", exif=exif, xmp=xmp, icc_profile=b"fake-icc-profile", comment=b"shot at 30.25N")


def test_phone_photo_loses_all_metadata():
    data = _phone_photo()
    assert {APP1, APP2, COM} <= set(_jpeg_markers(data))
    assert dict(_decoded(data).getexif().get_ifd(0x8825))[1] == "N"

    out = sanitise(data).data

    img = _decoded(out)
    assert not img.getexif()
    assert not {"exif", "xmp", "icc_profile", "comment"} & img.info.keys()
    assert not {APP1, APP2, COM} & set(_jpeg_markers(out))
    for needle in (b"Exif", b"GPS", b"xmpmeta", b"fake-icc", b"30.25N"):
        assert needle not in out


def test_phone_photo_is_turned_upright():
    result = sanitise(_phone_photo())

    img = _decoded(result.data)
    assert (result.width, result.height) == img.size == (20, 40)
    red, _, blue = img.getpixel((16, 20))
    assert red > 200 and blue < 60
    red, _, blue = img.getpixel((3, 20))
    assert red < 60 and blue > 200


def test_output_is_baseline_rgb_jpeg_named_by_its_hash():
    result = sanitise(_encode(Image.new("L", (30, 10), 128), "PNG"))

    img = _decoded(result.data)
    assert result.mime == "image/jpeg"
    assert (img.format, img.mode) == ("JPEG", "RGB")
    assert "progressive" not in img.info and "progression" not in img.info
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()


def test_png_alpha_is_flattened_on_white():
    img = Image.new("RGBA", (20, 10), (255, 0, 0, 0))
    img.paste((0, 0, 0, 255), (10, 0, 20, 10))

    out = _decoded(sanitise(_encode(img, "PNG")).data)

    assert out.mode == "RGB"
    assert all(c > 245 for c in out.getpixel((2, 5)))
    assert all(c < 10 for c in out.getpixel((17, 5)))


def test_palette_png_transparency_is_flattened_on_white():
    img = Image.new("P", (10, 10), 0)
    img.putpalette([0, 0, 0] * 256)

    out = _decoded(sanitise(_encode(img, "PNG", transparency=0)).data)

    assert all(c > 245 for c in out.getpixel((5, 5)))


def test_webp_is_accepted():
    result = sanitise(_encode(Image.new("RGB", (64, 48), "green"), "WEBP"))

    assert (result.width, result.height) == (64, 48)
    assert _decoded(result.data).format == "JPEG"


def test_large_photo_is_downscaled_to_max_side():
    data = _encode(Image.new("RGB", (4032, 3024), "gray"), "JPEG")  # a 12 MP phone photo: decoded whole

    result = sanitise(data)

    assert (result.width, result.height) == _decoded(result.data).size == (2560, 1920)


def test_jpeg_draft_decoding_still_reaches_max_side():
    img = Image.effect_noise((800, 600), 64).convert("RGB")

    result = sanitise(_encode(img, "JPEG"), max_side=150)

    assert (result.width, result.height) == (150, 113)


def test_forty_megapixel_png_is_refused_before_decoding(monkeypatch):
    data = _encode(Image.new("L", (8000, 5000), 0), "PNG", optimize=True)
    assert len(data) < 1024 * 1024  # far under max_bytes: only the pixel check can refuse it

    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    rejected = _rejected(data)

    assert rejected.reason == "error.upload_too_many_pixels"
    assert rejected.params == {"max_mp": 12.6}


@pytest.mark.parametrize("side", [10_000, 20_000])  # over Pillow's warning limit, then over its error limit
def test_decompression_bomb_header_is_too_many_pixels(side):
    limit = Image.MAX_IMAGE_PIXELS

    rejected = _rejected(_png_header_only(side, side))

    assert rejected.reason == "error.upload_too_many_pixels"
    assert limit == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"hello", id="text renamed .jpg"),
        pytest.param(_encode(Image.new("RGB", (4, 4), "red"), "GIF"), id="gif"),
        pytest.param(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', id="svg"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", id="pdf"),
        pytest.param(b"\xff\xd8\xff" + b"not really a jpeg" * 4, id="jpeg magic, no header"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"x" * 30, id="png magic, no header"),
        pytest.param(b"RIFF\x00\x00\x00\x00WEBP" + b"x" * 30, id="webp magic, no header"),
    ],
)
def test_non_images_are_refused(data):
    assert _rejected(data).reason == "error.upload_not_image"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image_is_corrupt(fmt):
    data = _encode(Image.effect_noise((400, 300), 64), fmt)

    assert _rejected(data[: len(data) // 2]).reason == "error.upload_corrupt"


def test_empty_upload():
    assert _rejected(b"").reason == "error.upload_empty"


def test_oversized_upload_is_refused_before_decoding(monkeypatch):
    opened = []
    monkeypatch.setattr(images.Image, "open", lambda *args, **kwargs: opened.append(args))

    rejected = _rejected(b"\xff\xd8\xff" + bytes(17 * 1024 * 1024))

    assert (rejected.reason, rejected.params) == ("error.upload_too_large", {"max_mb": 16})
    assert opened == []


def test_limits_in_messages_keep_their_fraction():
    blob = b"\xff\xd8\xff" + bytes(2 * 1024 * 1024)
    png = _encode(Image.new("RGB", (2000, 1000), "gray"), "PNG")

    assert _rejected(blob, max_bytes=1536 * 1024).params == {"max_mb": 1.5}
    assert _rejected(png, max_pixels=1_500_000).params == {"max_mp": 1.5}


def _png_bomb(width, height):
    """A transparent RGBA PNG of width×height whose pixels compress to almost nothing, built a row at a time."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row = zlib.compressobj(9), bytes(1 + 4 * width)  # filter byte 0, then transparent black pixels
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _big_jpeg(width, height):
    """A JPEG of width×height pixels: a gradient, so it compresses well and is cheap to make."""
    return _encode(Image.linear_gradient("L").resize((width, height)).convert("RGB"), "JPEG", quality=70)


def test_transparent_png_bomb_is_refused_before_decoding(monkeypatch):
    data = _png_bomb(5000, 5000)  # 25 megapixels of RGBA, 100 MB decoded, from a file of about 100 KB
    assert len(data) < 200 * 1024

    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    rejected = _rejected(data)

    assert (rejected.reason, rejected.params) == ("error.upload_too_many_pixels", {"max_mp": 12.6})


def test_fifty_megapixel_jpeg_is_accepted_and_shrunk(monkeypatch):
    data = _big_jpeg(8660, 5774)  # 50 megapixels
    decoded = []
    load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or load(self))

    result = sanitise(data)

    assert (result.width, result.height) == _decoded(result.data).size == (2560, 1707)
    assert max(decoded, key=lambda size: size[0] * size[1]) == (4330, 2887)  # half scale: 12.5 MP, never 50


def test_fifty_megapixel_jpeg_decodes_in_bounded_memory(tmp_path):
    path = tmp_path / "50mp.jpg"
    path.write_bytes(_big_jpeg(8660, 5774))
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts at the RSS of the pytest process that forked it.
    script = textwrap.dedent(f"""
        from pathlib import Path
        from backend.uploads.images import sanitise
        def peak_kb():
            status = Path("/proc/self/status").read_text()
            return int(status.split("VmHWM:")[1].split()[0])
        data = Path({str(path)!r}).read_bytes()
        before = peak_kb()
        sanitise(data)
        print(peak_kb() - before)
    """)
    grown_kb = int(subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, text=True).stdout)

    # A full decode alone is 150 MB of RGB; half scale plus the 2560-pixel output is about 53 MB.
    assert grown_kb < 80 * 1024


def test_transparent_png_is_flattened_and_shrunk_band_by_band(monkeypatch):
    img = Image.new("RGBA", (2000, 1000), (255, 0, 0, 0))
    img.paste((0, 0, 0, 255), (1000, 0, 2000, 1000))
    monkeypatch.setattr(images, "BAND_PIXELS", 2000 * 30)  # 15 bands of 30 rows, box-reduced by 2

    out = _decoded(sanitise(_encode(img, "PNG"), max_side=400).data)

    assert out.size == (400, 200)
    assert all(c > 245 for c in out.getpixel((100, 190)))
    assert all(c < 10 for c in out.getpixel((300, 5)))


def test_parallel_decodes_in_one_process_wait_for_the_slot(monkeypatch):
    photo = _encode(Image.new("RGB", (40, 30), "green"), "JPEG")
    monkeypatch.setattr(images, "DECODE_WAIT_S", 0.05)
    holder_in, release = threading.Event(), threading.Event()

    def hold():
        with images.decode_slot():
            holder_in.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        holder_in.wait(5)
        assert _rejected(photo).reason == "error.upload_busy"
        # A bomb is refused on its header, without waiting for the slot.
        assert _rejected(_png_header_only(6000, 6000)).reason == "error.upload_too_many_pixels"
    finally:
        release.set()
        holder.join()
    assert sanitise(photo).width == 40


def test_jpeg_too_large_at_half_scale_decodes_at_a_quarter():
    result = sanitise(_encode(Image.effect_noise((800, 600), 64).convert("RGB"), "JPEG"), max_pixels=100_000)

    assert (result.width, result.height) == (200, 150)  # 1/2 would decode 120,000 pixels


def test_banded_shrink_matches_a_whole_image_resize(monkeypatch):
    img = Image.merge("RGB", [Image.effect_noise((1200, 900), s).resize((1200, 900)) for s in (20, 40, 60)])
    monkeypatch.setattr(images, "BAND_PIXELS", 1200 * 40)  # about 20 output rows a band

    banded = images._shrink(img.copy(), 500)

    whole = img.resize((500, 375), Image.Resampling.LANCZOS)
    assert banded.size == whole.size
    assert all(high <= 1 for _, high in ImageChops.difference(banded, whole).getextrema())
