"""Doorplate images: the QR code and the plate around it, as PNG or SVG (pure: no Flask).

The QR is at error-correction level Q (a sticker or dirt over ~15 % of the code still reads; at M it does not).
The URL prefix is encoded in byte mode and the token in alphanumeric mode, which keeps a typical plate at
version 4 (33×33 modules). Sizes are physical: `size_mm` is the QR symbol without its 4-module quiet zone.
"""

import io
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from backend.doorplates.fonts import FontPair
from backend.doorplates.qr import qr_matrix  # noqa: F401  (re-exported for callers)

SIZES_MM = (40, 75, 120)
QUIET_MODULES = 4
ADDRESS_LINES = 3
UNIT_CHARS = "号幢栋座单元层楼室户"
MM_PER_INCH = 25.4
BOLD = ' font-weight="bold"'


def dark_runs(matrix):
    """(row, first column, length) of every horizontal run of dark modules: few rectangles for SVG and PDF."""
    for y, row in enumerate(matrix):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def qr_png(matrix, module_px=10) -> bytes:
    """The bare code with its quiet zone, module_px pixels a module."""
    n = len(matrix) + 2 * QUIET_MODULES
    img = Image.new("1", (n, n), 1)
    for y, x, length in dark_runs(matrix):
        img.paste(0, (x + QUIET_MODULES, y + QUIET_MODULES, x + QUIET_MODULES + length, y + QUIET_MODULES + 1))
    out = io.BytesIO()
    img.resize((n * module_px, n * module_px), Image.NEAREST).save(out, "PNG", optimize=True)
    return out.getvalue()


def _svg_path(matrix, x0, y0, module) -> str:
    return "".join(
        f"M{x0 + x * module:.3f} {y0 + y * module:.3f}h{length * module:.3f}v{module:.3f}h{-length * module:.3f}z"
        for y, x, length in dark_runs(matrix)
    )


def qr_svg(matrix) -> str:
    """The bare code with its quiet zone as one SVG path, one unit a module."""
    n = len(matrix) + 2 * QUIET_MODULES
    path = _svg_path(matrix, QUIET_MODULES, QUIET_MODULES, 1)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )


@dataclass
class Line:
    text: str
    y: float  # centre line, mm from the plate's top
    size: float  # font size in mm
    bold: bool = False


@dataclass
class Layout:
    """Where everything on one plate goes, in millimetres from its top-left corner."""

    width: float
    height: float
    qr_x: float  # the symbol's top-left corner (the quiet zone lies around it)
    qr_y: float
    qr_size: float
    lines: list[Line] = field(default_factory=list)


@cache
def _advance(fonts: FontPair, ch: str) -> float:
    """Width of ch for a 1 mm font (Chinese text has no kerning worth measuring pairs for)."""
    return fonts.get(100).getlength(ch) / 100


def _breakable(before: str, after: str) -> bool:
    """Never split "12号" or "301室": a number stays with its digits and its unit."""
    return not (before.isdigit() and (after.isdigit() or after in UNIT_CHARS))


def _wrap(text, fonts: FontPair, size_mm, width_mm, max_lines=3) -> list[str]:
    """Break Chinese text by width (characters, not words); a too-long address ends its last line with …."""
    lines, current, used = [], "", 0.0
    for ch in text:
        advance = _advance(fonts, ch) * size_mm
        if used + advance > width_mm and current:
            cut = len(current)
            while cut > max(1, len(current) - 5) and not _breakable(current[cut - 1], (current + ch)[cut]):
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:] + ch
            used = sum(_advance(fonts, c) for c in current) * size_mm
        else:
            current, used = current + ch, used + advance
    lines.append(current)
    if len(lines) > max_lines:
        # Keep the end: building, unit and room are what matter at the door.
        rest, keep = "".join(lines[max_lines - 1 :]), len(lines[max_lines - 1]) - 1
        lines = [*lines[: max_lines - 1], "…" + rest[-keep:]]
    return lines


def layout(size_mm: float, modules: int, title: str, address: str, short_code: str, fonts: FontPair) -> Layout:
    """Title above the code, the short code and the full address below it."""
    quiet = QUIET_MODULES * size_mm / modules
    width = size_mm + 2 * quiet
    margin = max(2.5, 0.04 * size_mm)
    # Text scales with the code, but a 40 mm plate still needs a readable 2.2 mm address.
    title_size, code_size, addr_size = 0.075 * size_mm, 0.1 * size_mm, max(2.2, 0.055 * size_mm)
    lines = [Line(title, margin + 0.65 * title_size, title_size, bold=True)]
    qr_y = margin + 1.3 * title_size + quiet
    y = qr_y + size_mm + quiet + 0.2 * code_size
    lines.append(Line(short_code, y + 0.6 * code_size, code_size, bold=True))
    y += 1.3 * code_size
    wrapped = _wrap(address, fonts, addr_size, width - 2 * margin - 1, ADDRESS_LINES)
    # Every plate of a size has room for ADDRESS_LINES lines, so plates tile a sheet; shorter addresses are centred.
    first = y + (ADDRESS_LINES - len(wrapped)) * 1.35 * addr_size / 2
    for i, text in enumerate(wrapped):
        lines.append(Line(text, first + (i + 0.65) * 1.35 * addr_size, addr_size))
    return Layout(width, y + ADDRESS_LINES * 1.35 * addr_size + margin, quiet, qr_y, size_mm, lines)


def px(mm: float, dpi: int) -> int:
    return round(mm * dpi / MM_PER_INCH)


def draw_text(img: Image.Image, lay: Layout, fonts: FontPair, dpi: int, top=0.0, lines=None) -> None:
    """The plate's lines (or some of them) onto img, centred; img's top edge lies `top` mm down the plate."""
    draw = ImageDraw.Draw(img)
    for line in lay.lines if lines is None else lines:
        font = fonts.get(px(line.size, dpi), bold=line.bold)
        draw.text((px(lay.width / 2, dpi), px(line.y - top, dpi)), line.text, font=font, fill=0, anchor="mm")


def draw_qr(img: Image.Image, matrix, lay: Layout, dpi: int) -> None:
    """Modules at exact physical positions (edges rounded per module, so the total size is exact)."""
    draw = ImageDraw.Draw(img)
    module = lay.qr_size / len(matrix)
    x0, y0 = lay.qr_x, lay.qr_y
    for y, x, length in dark_runs(matrix):
        box = (
            px(x0 + x * module, dpi),
            px(y0 + y * module, dpi),
            px(x0 + (x + length) * module, dpi) - 1,
            px(y0 + (y + 1) * module, dpi) - 1,
        )
        draw.rectangle(box, fill=0)


def plate_image(matrix, lay: Layout, fonts: FontPair, dpi=300) -> Image.Image:
    """The whole plate in greyscale at dpi, with a thin outline where it is cut."""
    img = Image.new("L", (px(lay.width, dpi), px(lay.height, dpi)), 255)
    draw_qr(img, matrix, lay, dpi)
    draw_text(img, lay, fonts, dpi)
    ImageDraw.Draw(img).rectangle((0, 0, img.width - 1, img.height - 1), outline=160, width=max(1, px(0.2, dpi)))
    return img


def plate_png(matrix, lay: Layout, fonts: FontPair, dpi=300) -> bytes:
    out = io.BytesIO()
    plate_image(matrix, lay, fonts, dpi).save(out, "PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def plate_svg(matrix, lay: Layout, font_family="Noto Sans CJK SC, Source Han Sans SC, sans-serif") -> str:
    """The plate as SVG in millimetres: the code as one path, the text as text (the viewer needs a CJK font)."""
    module = lay.qr_size / len(matrix)
    texts = "".join(
        f'<text x="{lay.width / 2:.2f}" y="{line.y:.2f}" font-size="{line.size:.2f}" text-anchor="middle" '
        f'dominant-baseline="central"{BOLD if line.bold else ""}>{escape(line.text)}</text>'
        for line in lay.lines
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.2f}mm" height="{lay.height:.2f}mm" '
        f'viewBox="0 0 {lay.width:.2f} {lay.height:.2f}">'
        f'<rect x="0.1" y="0.1" width="{lay.width - 0.2:.2f}" height="{lay.height - 0.2:.2f}" fill="#fff" '
        f'stroke="#a0a0a0" stroke-width="0.2"/>'
        f'<path d="{_svg_path(matrix, lay.qr_x, lay.qr_y, module)}" fill="#000" shape-rendering="crispEdges"/>'
        f'<g font-family="{escape(font_family)}" fill="#000">{texts}</g></svg>'
    )
