"""Sheets of doorplates as a PDF, written page by page (pure: no Flask).

The QR codes are vector rectangles (exact size, sharp on any printer or engraver); the Chinese text is a 1-bit
image mask per plate at 600 dpi, so the PDF needs no embedded font. Only one page is ever held in memory, so
10,000 plates cost what nine do.
"""

import itertools
import multiprocessing
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from PIL import Image

from backend.doorplates import render
from backend.doorplates.fonts import FontPair
from backend.doorplates.qr import qr_matrix

A4 = (210.0, 297.0)
PAGE_MARGIN, GUTTER, MARK = 7.0, 6.0, 2.0  # marks stay inside half a gutter
TEXT_DPI = 600
PT_PER_MM = 72 / 25.4


@dataclass
class PlateJob:
    """One plate to print: what its QR says and what is written on it."""

    url: str
    address: str
    short_code: str
    matrix: list | None = None


class PdfWriter:
    """A minimal PDF 1.4 writer that emits bytes as it goes; `chunks()` hands over what is written so far."""

    def __init__(self):
        self._out: list[bytes] = []
        self._offsets: dict[int, int] = {}
        self._size = 0
        self._next = 3  # 1 = catalog, 2 = page tree; both written at the end
        self._pages: list[int] = []
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self._out.append(data)
        self._size += len(data)

    def _object(self, body: bytes, stream: bytes | None = None, number: int | None = None) -> int:
        if number is None:
            number, self._next = self._next, self._next + 1
        self._offsets[number] = self._size
        if stream is None:
            self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        else:
            self._write(
                b"%d 0 obj\n<<%s/Length %d>>\nstream\n%s\nendstream\nendobj\n" % (number, body, len(stream), stream)
            )
        return number

    def image_mask(self, img: Image.Image) -> int:
        """A 1-bit image whose black pixels are painted in the fill colour, the rest left transparent."""
        return self.mask_object(*img.size, zlib.compress(img.convert("1").tobytes(), 6))

    def mask_object(self, width: int, height: int, data: bytes) -> int:
        return self._object(
            b"/Type/XObject/Subtype/Image/Width %d/Height %d/ImageMask true/BitsPerComponent 1/Filter/FlateDecode"
            % (width, height),
            data,
        )

    def page(self, content: bytes, images: dict[str, int], size_mm=A4) -> None:
        stream = self._object(b"/Filter/FlateDecode", zlib.compress(content, 6))
        xobjects = b"".join(b"/%s %d 0 R" % (name.encode(), num) for name, num in images.items())
        w, h = (round(v * PT_PER_MM, 2) for v in size_mm)
        self._pages.append(
            self._object(
                b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %s %s]/Contents %d 0 R/Resources<</XObject<<%s>>>>>>"
                % (str(w).encode(), str(h).encode(), stream, xobjects)
            )
        )

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % n for n in self._pages)
        self._object(b"<</Type/Pages/Kids[%s]/Count %d>>" % (kids, len(self._pages)), number=2)
        self._object(b"<</Type/Catalog/Pages 2 0 R>>", number=1)
        xref_at = self._size
        count = max(self._offsets) + 1
        rows = [b"0000000000 65535 f \n"] + [b"%010d 00000 n \n" % self._offsets[i] for i in range(1, count)]
        self._write(b"xref\n0 %d\n%s" % (count, b"".join(rows)))
        self._write(b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (count, xref_at))

    def chunks(self) -> Iterator[bytes]:
        out, self._out = self._out, []
        yield from out

    @property
    def page_count(self) -> int:
        return len(self._pages)


def grid(plate_w: float, plate_h: float, page=A4) -> list[tuple[float, float]]:
    """Top-left corners (mm from the page's top-left) of as many plates as fit, centred, with gutters for cuts."""
    cols = max(1, int((page[0] - 2 * PAGE_MARGIN + GUTTER) // (plate_w + GUTTER)))
    rows = max(1, int((page[1] - 2 * PAGE_MARGIN + GUTTER) // (plate_h + GUTTER)))
    x0 = (page[0] - cols * plate_w - (cols - 1) * GUTTER) / 2
    y0 = (page[1] - rows * plate_h - (rows - 1) * GUTTER) / 2
    return [(x0 + c * (plate_w + GUTTER), y0 + r * (plate_h + GUTTER)) for r in range(rows) for c in range(cols)]


def _pt(v: float) -> bytes:
    return b"%.2f" % (v * PT_PER_MM)


def _cut_marks(x, y, w, h, page_h) -> bytes:
    """Short hairlines outside each corner, 1 mm away, along both edges."""
    ops = []
    for cx, cy, dx, dy in ((x, y, -1, -1), (x + w, y, 1, -1), (x, y + h, -1, 1), (x + w, y + h, 1, 1)):
        for ax, ay, bx, by in ((cx + dx, cy, cx + dx * (1 + MARK), cy), (cx, cy + dy, cx, cy + dy * (1 + MARK))):
            ops.append(b"%s %s m %s %s l S" % (_pt(ax), _pt(page_h - ay), _pt(bx), _pt(page_h - by)))
    return b"\n".join(ops)


def _qr_ops(matrix, lay: render.Layout, x, y, page_h) -> bytes:
    module = lay.qr_size / len(matrix)
    ops = [
        b"%s %s %s %s re"
        % (
            _pt(x + lay.qr_x + cx * module),
            _pt(page_h - (y + lay.qr_y + (cy + 1) * module)),
            _pt(n * module),
            _pt(module),
        )
        for cy, cx, n in render.dark_runs(matrix)
    ]
    return b"\n".join(ops) + b"\nf"


def _text_mask(lay: render.Layout, fonts: FontPair, lines, top: float, bottom: float) -> Image.Image:
    """Some of the plate's lines as a 1-bit image of the strip between top and bottom (mm down the plate)."""
    img = Image.new("1", (render.px(lay.width, TEXT_DPI), render.px(bottom - top, TEXT_DPI)), 1)
    render.draw_text(img, lay, fonts, TEXT_DPI, top=top, lines=lines)
    return img


def _place(name: str, x: float, y: float, w: float, h: float) -> bytes:
    """Draw XObject name over the box whose top-left corner is (x, y) mm from the page's top-left."""
    return b"q %s 0 0 %s %s %s cm /%s Do Q" % (_pt(w), _pt(h), _pt(x), _pt(A4[1] - y - h), name.encode())


@dataclass
class Page:
    """One rendered sheet: its drawing operators and, per plate, the compressed text mask (name, w, h, data)."""

    ops: bytes
    masks: list[tuple[str, int, int, bytes]]


def render_page(jobs: list[PlateJob], size_mm: int, title: str, fonts: FontPair) -> Page:
    """QR codes, text masks and cut marks for the plates of one sheet; runs in a worker process when asked."""
    ops, masks, slots, width = [b"0 g 0 G 0.2 w"], [], None, None
    for n, job in enumerate(jobs):
        matrix = job.matrix or qr_matrix(job.url)
        lay = render.layout(size_mm, len(matrix), title, job.address, job.short_code, fonts)
        if slots is None:
            slots, width = grid(lay.width, lay.height), lay.width
        if abs(lay.width - width) > 0.01:
            raise ValueError("plates of one sheet must have URLs of one length (one QR version)")
        x, y = slots[n]
        split, below = _strips(lay)
        text = _text_mask(lay, fonts, lay.lines[1:], below, lay.height)
        masks.append((f"T{n}", *text.size, zlib.compress(text.tobytes(), 6)))
        ops.append(_qr_ops(matrix, lay, x, y, A4[1]))
        ops.append(_place("Title", x, y, lay.width, split))
        ops.append(_place(f"T{n}", x, y + below, lay.width, lay.height - below))
        ops.append(_cut_marks(x, y, lay.width, lay.height, A4[1]))
    return Page(b"\n".join(ops), masks)


def _strips(lay: render.Layout) -> tuple[float, float]:
    """Above the QR's quiet zone: the title, the same on every plate; below it: the short code and address."""
    return lay.qr_y - lay.qr_x, lay.qr_y + lay.qr_size + lay.qr_x


def _pages(jobs: Iterable[PlateJob], per_page: int) -> Iterator[list[PlateJob]]:
    page = []
    for job in jobs:
        page.append(job)
        if len(page) == per_page:
            yield page
            page = []
    if page:
        yield page


def write_sheets(
    jobs: Iterable[PlateJob],
    size_mm: int,
    title: str,
    fonts: FontPair,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """PDF bytes, sheet after sheet, for the plates in order; with workers > 1 sheets render in parallel."""
    jobs = iter(jobs)
    first = next(jobs, None)
    writer = PdfWriter()
    if first is not None:
        lay = render.layout(size_mm, len(qr_matrix(first.url)), title, first.address, first.short_code, fonts)
        split, _ = _strips(lay)
        title_mask = writer.image_mask(_text_mask(lay, fonts, lay.lines[:1], 0, split))
        groups = _pages(itertools.chain([first], jobs), len(grid(lay.width, lay.height)))
        draw = partial(render_page, size_mm=size_mm, title=title, fonts=fonts)
        with _mapper(workers) as mapper:
            for page in mapper(draw, groups):
                images = {"Title": title_mask}
                for name, w, h, data in page.masks:
                    images[name] = writer.mask_object(w, h, data)
                writer.page(page.ops, images)
                progress and progress(len(page.masks))
                yield from writer.chunks()
    writer.close()
    yield from writer.chunks()


@contextmanager
def _mapper(workers: int):
    """map, or an ordered imap over a process pool (QR masks and text are CPU work; pages are independent)."""
    if workers <= 1:
        yield map
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield lambda fn, items: pool.imap(fn, items, chunksize=2)
