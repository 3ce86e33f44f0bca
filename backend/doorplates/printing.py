"""Choose the plates to print, in address order, and stream them as a PDF."""

import re

from flask import current_app
from sqlalchemy import select, update

from backend import audit
from backend.addresses.models import Address
from backend.auth.scope import within
from backend.doorplates import keys, pdf, render
from backend.doorplates import token as tokens
from backend.doorplates.fonts import find_font
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import url_of
from backend.extensions import db
from backend.houses.models import House
from backend.i18n import t
from backend.types import utcnow

SIZES = (40, 75, 120)
_DIGITS = re.compile(r"(\d+)")


def natural(text: str | None) -> tuple:
    """'12' after '9', '3幢' before '10幢': numbers compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(text or ""))


def _address_key(a: Address) -> tuple:
    return (
        a.scope_code,
        a.road,
        natural(a.door_number),
        a.compound or "",
        natural(a.building),
        natural(a.unit),
        natural(a.floor),
        natural(a.room),
    )


def select_plates(
    region_code: str | None = None, house_ids=None, unprinted_only=False
) -> list[tuple[Doorplate, Address]]:
    """Live plates of a region (by prefix) or of a list of houses, sorted by address."""
    query = (
        select(Doorplate, Address)
        .join(House, Doorplate.house_id == House.id)
        .join(Address, House.address_id == Address.id)
        .where(Doorplate.state != "revoked")
    )
    if region_code is not None:
        query = query.where(within(House.scope_code, region_code))
    if house_ids is not None:
        query = query.where(House.id.in_(house_ids))
    if unprinted_only:
        query = query.where(Doorplate.printed_at.is_(None))
    rows = db.session.execute(query).all()
    return sorted(((p, a) for p, a in rows), key=lambda pa: _address_key(pa[1]))


def mark_printed(plates, size: int, actor=None, region_code=None) -> None:
    """Record the print run: when each current version was printed and how often; one audit event."""
    ids = [p.id for p, _ in plates]
    now = utcnow()
    for start in range(0, len(ids), 5000):
        db.session.execute(
            update(Doorplate)
            .where(Doorplate.id.in_(ids[start : start + 5000]))
            .values(printed_at=now, print_count=Doorplate.print_count + 1)
        )
    audit.record(
        "doorplate.print", actor=actor, target_type="doorplates", region_code=region_code, count=len(ids), size=size
    )


def jobs(plates):
    """What each plate carries: the signed URL, the full address, the short code."""
    signing = keys.signing_keys()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    for plate, address in plates:
        token = tokens.sign(tokens.Token(plate.key_id, plate.plate_id, plate.version), signing)
        yield pdf.PlateJob(f"{base}/d/{token}", address.full_text, plate.short_code)


def pdf_stream(plates, size: int, workers: int = 1, progress=None):
    """The PDF, page by page. Plates are physical Chinese objects: the title is always zh-CN."""
    fonts = find_font(current_app.config.get("DOORPLATE_FONT"))
    return pdf.write_sheets(list(jobs(plates)), size, t("plate.title", lang="zh-CN"), fonts, workers, progress)


def plate_file(plate: Doorplate, size: int, fmt: str = "png", dpi: int = 300) -> bytes:
    """One plate as PNG (at dpi) or SVG (millimetres)."""
    fonts = find_font(current_app.config.get("DOORPLATE_FONT"))
    matrix = render.qr_matrix(url_of(plate))
    title = t("plate.title", lang="zh-CN")
    lay = render.layout(size, len(matrix), title, plate.house.address.full_text, plate.short_code, fonts)
    return render.plate_svg(matrix, lay).encode() if fmt == "svg" else render.plate_png(matrix, lay, fonts, dpi)
