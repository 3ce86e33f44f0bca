"""Doorplates in the JSON API: the scan twin of /d/{token}, typed short codes, images, printing, revoking."""

from flask import Response, request, stream_with_context
from flask_login import current_user
from sqlalchemy import func, select

from backend.api.routing import route
from backend.auth.scope import in_scope, may_see_house, require_in_scope
from backend.doorplates import cli, landing, printing
from backend.doorplates import contracts as c
from backend.doorplates.card import public_card
from backend.doorplates.landing import commit_scan
from backend.doorplates.lookup import load_plate
from backend.doorplates.models import Doorplate, DoorplateRevocation, Scan
from backend.doorplates.operations import record_scan, resolve_short_code, resolve_token, revoke, token_of
from backend.doorplates.scanning import problem, scan_position
from backend.doorplates.token import ShortCodeError
from backend.errors import MenpaiError, NotFound, ValidationError
from backend.extensions import db
from backend.houses.models import House
from backend.types import utcnow

PRINT_ROLES = ("grid_worker", "supervisor", "admin")
STAFF_WRITE_ROLES = ("grid_worker", "supervisor", "admin")


def _may_manage(plate) -> bool:
    """Staff in scope and the house's own landlord see the doorplate's record, not only the public card."""
    return may_see_house(current_user, plate)


def _detail(plate) -> dict:
    house = plate.house
    since = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    scans = db.session.scalar(select(func.count(Scan.id)).where(Scan.doorplate_id == plate.id, Scan.at >= since))
    revoked = db.session.scalars(select(DoorplateRevocation).where(DoorplateRevocation.doorplate_id == plate.id))
    return {
        "house": {
            "id": house.id,
            "status": house.status,
            "address_code": house.address.code,
            "scope_code": house.scope_code,
        },
        "doorplate": {
            "state": plate.state,
            "version": plate.version,
            "issued_at": plate.issued_at.isoformat(),
            "activated_at": plate.activated_at and plate.activated_at.isoformat(),
            "printed_at": plate.printed_at and plate.printed_at.isoformat(),
            "print_count": plate.print_count,
            "scans_today": scans,
            "revocations": [
                {"version": r.version, "reason": r.reason, "at": r.revoked_at.isoformat()} for r in revoked
            ],
        },
    }


def _payload(found) -> dict:
    out = {"result": found.result, "token": token_of(found.plate), "card": public_card(found.plate)}
    if _may_manage(found.plate):
        out.update(_detail(db.session.get(Doorplate, found.plate.id)))
    return out


@route(
    "/doorplates/<token>",
    summary="What a scan of this doorplate shows: the public card, plus the record for staff in scope and its landlord",
    tag="doorplates",
    auth=False,
    params=[("lon", "number", False, "Staff: where the scan happened"), ("lat", "number", False, "")],
    response=c.DoorplateScan,
    errors=(404, 410),
)
def doorplate_scan(token):
    found = resolve_token(token)
    record_scan(found, "api", current_user, *scan_position())
    commit_scan()  # the scan row is kept whatever the answer (a 404 or 410 is raised, and the route commits no error)
    if found.result != "ok":
        problem(found)
    return _payload(found)


@route(
    "/doorplates/by-code/<code>",
    summary="Find a doorplate by the short code printed under its QR (any case, dashes optional)",
    tag="doorplates",
    auth=False,
    response=c.DoorplateScan,
    errors=(400, 404, 410),
)
def doorplate_by_code(code):
    try:
        found = resolve_short_code(code)
    except ShortCodeError as err:
        raise ValidationError(fields={"code": err.reason}) from None
    record_scan(found, "short_code", current_user)
    commit_scan()  # kept whatever the answer, as above
    if found.result != "ok":
        problem(found)
    return _payload(found)


def _managed_plate(token):
    found = resolve_token(token)
    if found.result != "ok" or not _may_manage(found.plate):
        raise NotFound()
    return db.session.get(Doorplate, found.plate.id)


@route(
    "/doorplates/<token>/image",
    summary="The plate (or the bare QR code) as PNG or SVG, for staff in scope and the landlord",
    tag="doorplates",
    params=[
        ("format", "string", False, "png (default) or svg"),
        ("size", "integer", False, "QR size in mm: 40, 75 (default) or 120"),
        ("dpi", "integer", False, "PNG resolution, 72–1200, default 300"),
    ],
    produces=("image/png", "image/svg+xml"),
    errors=(400, 404),
)
def doorplate_image(token):
    plate = _managed_plate(token)
    fmt = request.args.get("format", "png")
    size = request.args.get("size", "75")
    dpi = request.args.get("dpi", "300")
    problems = {}
    if fmt not in ("png", "svg"):
        problems["format"] = "error.doorplate_format"
    if size not in ("40", "75", "120"):
        problems["size"] = "error.doorplate_size"
    if not (dpi.isascii() and dpi.isdigit()) or not 72 <= int(dpi) <= 1200:  # "²".isdigit(), but int("²") fails
        problems["dpi"] = "error.out_of_range"
    if problems:
        raise ValidationError(fields=problems)
    data = printing.plate_file(plate, int(size), fmt, int(dpi))
    name = f"doorplate-{plate.short_code}-{size}mm.{fmt}"
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(data, mimetype=mime, headers={"Content-Disposition": f'inline; filename="{name}"'})


@route(
    "/doorplates/<token>/revoke",
    "POST",
    summary="Take this version out of use: lost or damaged issues a new version to print; moved or withdrawn ends it",
    tag="doorplates",
    roles=STAFF_WRITE_ROLES,
    body=c.DoorplateRevoke,
    response=c.DoorplateScan,
    errors=(400, 404, 409),
)
def doorplate_revoke(token, body: c.DoorplateRevoke):
    found = resolve_token(token)
    if found.result == "revoked" and in_scope(current_user, found.plate.scope_code):
        raise MenpaiError("doorplate.replaced", code="doorplate_replaced", status=409)  # a replay: already done
    plate = _managed_plate(token)
    revoke(plate, body.reason, actor=current_user, note=body.note)
    card = public_card(load_plate(plate.plate_id))
    return {"result": "ok", "token": token_of(plate), "card": card, **_detail(plate)}


@route(
    "/doorplates/print",
    "POST",
    summary="A PDF of A4 sheets with cut marks: the live plates of a region in scope, or of listed houses",
    tag="doorplates",
    roles=PRINT_ROLES,
    body=c.DoorplatePrint,
    produces=("application/pdf",),
    errors=(400, 404),
)
def doorplate_print(body: c.DoorplatePrint):
    region, houses, size = body.region, body.houses, body.size
    if houses is not None:
        scopes = dict(db.session.execute(select(House.id, House.scope_code).where(House.id.in_(houses))).all())
        if set(scopes) != set(houses) or not all(in_scope(current_user, code) for code in scopes.values()):
            raise NotFound()
        plates = printing.select_plates(house_ids=houses)
    else:
        require_in_scope(current_user, region)
        plates = printing.select_plates(region_code=region)
    if not plates:
        raise NotFound("error.nothing_to_print")
    printing.mark_printed(plates, size, actor=current_user, region_code=region)
    stream = printing.pdf_stream(plates, size)  # every plate's text read here: the route then commits the print run
    name = f"doorplates-{region or 'houses'}-{size}mm.pdf"
    return Response(
        stream_with_context(stream),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def init_app(app):
    """申报领码 doorplates: scans, the door page, printing, revocation."""
    landing.init_app(app)
    cli.init_app(app)
