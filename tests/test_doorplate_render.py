"""Rendered plates read back with an independent decoder (zxing-cpp), as a phone camera would see them."""

import io
import math
import random
import subprocess

import numpy as np
import pytest
import qrcode
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter
from qrcode import util

from backend.doorplates import qr, render
from backend.doorplates import token as tokens
from backend.doorplates.fonts import FontMissing, find_font

KEYS = {"A": b"k" * 32}
ADDRESS = "浙江省温州市平阳县昆阳镇解放社区解放街12号鳌峰花园3幢2单元301室"
BASE = "https://menpai.example.gov.cn/d/"


def _url(rng):
    plate = tokens.Token("A", rng.randrange(tokens.MAX_PLATE_ID), rng.randrange(1, 30))
    return BASE + tokens.sign(plate, KEYS)


def _decodes_to(img, url) -> bool:
    found = zxingcpp.read_barcodes(img)
    return any(r.text == url for r in found) and tokens.verify(url.rsplit("/", 1)[1], KEYS) is not None


def _plate(url, size, dpi=300):
    fonts = find_font()
    matrix = qr.qr_matrix(url)
    lay = render.layout(size, len(matrix), "出租房屋 门牌码", ADDRESS, "ABC-DEF-GHJ", fonts)
    return render.plate_image(matrix, lay, fonts, dpi), lay, matrix


def test_penalty_is_the_standard_one_qrcode_computes():
    rng = random.Random(5)
    for _ in range(10):
        for _, symbol in qr.symbols(_url(rng)):
            assert qr.penalty(symbol) == util.lost_point(symbol.tolist())


def test_every_mask_is_a_valid_code_and_the_best_one_is_chosen():
    url = _url(random.Random(6))
    symbols = dict(qr.symbols(url))
    for mask, symbol in symbols.items():
        img = Image.fromarray(np.pad(np.where(symbol, 0, 255).astype(np.uint8), 4, constant_values=255))
        assert _decodes_to(img.resize((img.width * 6,) * 2, Image.NEAREST), url), mask
    best = min(symbols, key=lambda k: qr.penalty(symbols[k]))
    assert qr.qr_matrix(url) == symbols[best].tolist()


def test_token_goes_in_alphanumeric_mode_which_keeps_the_code_small():
    url = "http://127.0.0.1:5000/d/" + _url(random.Random(7)).rsplit("/", 1)[1]
    byte_only = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q)
    byte_only.add_data(util.QRData(url.encode(), mode=util.MODE_8BIT_BYTE))
    byte_only.make(fit=True)
    assert len(qr.qr_matrix(url)) == 33 and byte_only.version == 5  # version 4 (33 modules) instead of 5


@pytest.mark.parametrize("size", render.SIZES_MM)
def test_plate_at_each_print_size_decodes_and_has_its_physical_size(size):
    url = _url(random.Random(size))
    img, lay, matrix = _plate(url, size)
    assert _decodes_to(img, url)
    # The symbol spans size_mm at 300 dpi (within a pixel per side).
    pixels = np.array(img) < 128
    row = pixels[render.px(lay.qr_y + 0.5 * size / len(matrix), 300)]  # through the finder patterns' top rows
    left, right = np.flatnonzero(row)[[0, -1]]
    assert abs(render.px(lay.qr_x, 300) - left) <= 1 and abs(render.px(lay.qr_x + size, 300) - 1 - right) <= 1
    span = render.px(lay.qr_x + size, 300) - render.px(lay.qr_x, 300)
    assert abs(span - size * 300 / 25.4) <= 1
    png = Image.open(io.BytesIO(render.plate_png(matrix, lay, find_font())))
    assert round(png.info["dpi"][0]) == 300


def _degrade(img: Image.Image, qr_px: int, lay, rng) -> Image.Image:
    """What a cheap phone camera makes of the plate: small, blurred, rotated, skewed, JPEG-compressed."""
    scale = qr_px / (lay.qr_size * 300 / 25.4)
    out = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.LANCZOS)
    out = out.filter(ImageFilter.GaussianBlur(0.6))
    out = out.rotate(7, resample=Image.BICUBIC, expand=True, fillcolor=200)
    w, h = out.size
    d = 0.06  # a keystone: the phone held a little below the plate
    coeffs = _perspective([(0, 0), (w, 0), (w, h), (0, h)], [(d * w, 0), (w - d * w, 0), (w, h), (0, h)])
    out = out.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=200)
    buf = io.BytesIO()
    out.convert("RGB").save(buf, "JPEG", quality=30)
    return Image.open(io.BytesIO(buf.getvalue()))


def _perspective(dst, src):
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(rows, float), np.array([c for p in src for c in p], float)).tolist()


@pytest.mark.parametrize("size", render.SIZES_MM)
@pytest.mark.parametrize("qr_px", [120, 80])
def test_plate_survives_a_phone_camera(size, qr_px):
    rng = random.Random(size * qr_px)
    for _ in range(3):
        url = _url(rng)
        img, lay, _ = _plate(url, size)
        assert _decodes_to(_degrade(img, qr_px, lay, rng), url), url


@pytest.mark.parametrize("radius", [1.0, 2.0])
def test_plate_survives_a_blurred_photo(radius):
    url = _url(random.Random(11))
    img, _, _ = _plate(url, 40)
    small = img.resize((img.width // 2, img.height // 2), Image.LANCZOS)  # ~230 px across the code
    assert _decodes_to(small.filter(ImageFilter.GaussianBlur(radius)), url)


def _blob(img, lay, dpi, fraction, rng, fill):
    """A round blob over `fraction` of the symbol, somewhere on the data (not on a finder pattern)."""
    mm = dpi / 25.4
    x0, y0, s = lay.qr_x * mm, lay.qr_y * mm, lay.qr_size * mm
    r = math.sqrt(fraction * s * s / math.pi)
    finder = s * 8 / 33 + r
    while True:
        cx, cy = rng.uniform(x0 + r / 2, x0 + s - r / 2), rng.uniform(y0 + r / 2, y0 + s - r / 2)
        near_left, near_top = cx < x0 + finder, cy < y0 + finder
        if not (
            (near_left and near_top) or (cx > x0 + s - finder and near_top) or (near_left and cy > y0 + s - finder)
        ):
            break
    ImageDraw.Draw(img).ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    return img


def _level_m_plate(url, lay, dpi):
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return render.plate_image(code.modules, lay, find_font(), dpi)


def test_a_blob_over_15_percent_of_the_code_is_survived_at_q_and_not_at_m():
    rng = random.Random(15)
    q_ok = m_ok = 0
    trials = 40
    for n in range(trials):
        url = _url(rng)
        img, lay, _ = _plate(url, 40, dpi=150)
        fill = 0 if n % 2 else 255  # dirt, or a white sticker
        q_ok += _decodes_to(_blob(img, lay, 150, 0.15, random.Random(n), fill), url)
        m_ok += _decodes_to(_blob(_level_m_plate(url, lay, 150), lay, 150, 0.15, random.Random(n), fill), url)
    assert q_ok / trials >= 0.6, q_ok  # measured here: ~0.7 (random places off the finder patterns)
    assert m_ok / trials <= 0.25, m_ok  # measured here: ~0.07
    # And a blob in the middle of the data always reads at Q.
    url = _url(rng)
    img, lay, _ = _plate(url, 40, dpi=150)
    mm, s = 150 / 25.4, lay.qr_size * 150 / 25.4
    r = math.sqrt(0.15 * s * s / math.pi)
    cx, cy = lay.qr_x * mm + s * 0.55, lay.qr_y * mm + s * 0.55
    ImageDraw.Draw(img).ellipse((cx - r, cy - r, cx + r, cy + r), fill=0)
    assert _decodes_to(img, url)


def test_svg_plate_and_bare_code_render_in_an_independent_renderer(tmp_path):
    url = _url(random.Random(9))
    fonts = find_font()
    matrix = qr.qr_matrix(url)
    lay = render.layout(75, len(matrix), "出租房屋 门牌码", ADDRESS, "ABC-DEF-GHJ", fonts)
    for name, svg, width in (("plate", render.plate_svg(matrix, lay), 900), ("qr", render.qr_svg(matrix), 400)):
        (tmp_path / f"{name}.svg").write_text(svg, encoding="utf-8")
        png = subprocess.run(
            ["rsvg-convert", "-w", str(width), "-b", "white", str(tmp_path / f"{name}.svg")],
            capture_output=True,
            check=True,
        ).stdout
        assert _decodes_to(Image.open(io.BytesIO(png)), url), name
    assert _decodes_to(Image.open(io.BytesIO(render.qr_png(matrix))), url)


def test_a_configured_font_without_chinese_fails_with_a_clear_message():
    with pytest.raises(FontMissing) as err:
        find_font("/usr/share/fonts/does-not-exist.ttf")
    assert "fonts-noto-cjk" in str(err.value) and "MENPAI_DOORPLATE_FONT" in str(err.value)


def test_address_wraps_within_the_plate_and_every_plate_of_a_size_is_the_same_height():
    fonts = find_font()
    short = render.layout(40, 33, "出租房屋 门牌码", "昆阳镇解放街1号", "ABC-DEF-GHJ", fonts)
    long = render.layout(40, 33, "出租房屋 门牌码", ADDRESS * 3, "ABC-DEF-GHJ", fonts)
    assert short.height == long.height
    assert len(long.lines) == 2 + render.ADDRESS_LINES and long.lines[-1].text.startswith("…")
    for line in long.lines[2:]:
        assert fonts.get(100).getlength(line.text) / 100 * line.size <= long.width
