"""Find a CJK font for the Chinese address on plates (pure: no Flask)."""

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

KNOWN = [
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        2,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]
PROBE = "门牌号"


class FontMissing(RuntimeError):
    """No font on this machine can draw Chinese."""

    def __init__(self, detail=""):
        super().__init__(
            "No CJK font found to print Chinese addresses on doorplates. Install one "
            "(Debian: apt-get install fonts-noto-cjk; scripts/setup.sh does this) or set MENPAI_DOORPLATE_FONT "
            f"to a .ttf/.ttc/.otf file that has Chinese glyphs.{(' ' + detail) if detail else ''}"
        )


@dataclass(frozen=True)
class FontPair:
    regular: str
    bold: str
    index: int

    def get(self, px: int, bold=False) -> ImageFont.FreeTypeFont:
        return _load(self.bold if bold else self.regular, self.index, max(1, int(px)))


@cache
def _load(path, index, px):
    return ImageFont.truetype(path, px, index=index)


def _draws_chinese(path, index) -> bool:
    try:
        font = ImageFont.truetype(path, 32, index=index)
    except OSError:
        return False
    # A font without the glyphs draws the same .notdef box for every character.
    masks = {bytes(font.getmask(ch)) for ch in PROBE}
    return len(masks) == len(PROBE)


def _fontconfig() -> list[tuple[str, str, int]]:
    if not shutil.which("fc-list"):
        return []
    out = subprocess.run(
        ["fc-list", ":lang=zh-cn", "-f", "%{file}|%{index}|%{style[0]}|%{family[0]}\n"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = {}
    for line in out.splitlines():
        file, index, style, family = [*line.split("|"), "", "", ""][:4]
        if "Sans" in family or "Hei" in family:
            found.setdefault((family, index), {})[style] = file
    pairs = []
    for (_, index), styles in sorted(found.items(), key=lambda kv: ("SC" not in kv[0][0], kv[0])):
        regular = styles.get("Regular") or next(iter(styles.values()))
        pairs.append((regular, styles.get("Bold", regular), int(index or 0)))
    return pairs


@cache
def find_font(configured: str | None = None) -> FontPair:
    """The configured font file ('path' or 'path:index'), else Noto Sans CJK SC or another Chinese sans."""
    if configured:
        path, _, index = configured.partition(":")
        if not Path(path).is_file() or not _draws_chinese(path, int(index or 0)):
            raise FontMissing(f"The configured font {configured!r} is missing or has no Chinese glyphs.")
        return FontPair(path, path, int(index or 0))
    for regular, bold, index in [*KNOWN, *_fontconfig()]:
        if Path(regular).is_file() and _draws_chinese(regular, index):
            return FontPair(regular, bold if Path(bold).is_file() else regular, index)
    raise FontMissing()
