"""Houses: declare (landlord), my houses, scoped lists with filters, the house card, withdraw."""

from datetime import UTC, date, datetime

from flask import request
from flask_login import current_user

from backend.api.routing import int_arg, route
from backend.auth.scope import may_see_house
from backend.cockpit import export
from backend.doorplates import keys
from backend.doorplates import token as tokens
from backend.doorplates.operations import Resolution, record_scan, resolve_token
from backend.doorplates.scanning import problem, refuse, scan_position
from backend.errors import NotFound, ValidationError
from backend.extensions import db
from backend.fastpath import fastcard, fastscan
from backend.fastpath.record import after_scan
from backend.fastpath.rule import classify
from backend.houses import contracts as c
from backend.houses import queries, timeline
from backend.houses.card import house_card
from backend.houses.models import House
from backend.houses.operations import declare_house, own_house, withdraw_house

LIST_ROLES = ("landlord", "grid_worker", "fire_officer", "police", "supervisor", "admin")
HOUSE_READERS = LIST_ROLES


def visible_house(house_id: int) -> House:
    """The house if the current user may see its card, else 404."""
    house = db.session.get(House, house_id)
    if house is None or not may_see_house(current_user, house):
        raise NotFound()
    return house


@route(
    "/houses",
    "POST",
    summary="Declare a rental (申报领码): a pending doorplate and a verification task follow",
    tag="houses",
    roles=("landlord",),
    body=c.HouseDeclare,
    response=c.HouseCard,
    status=201,
    errors=(400, 404, 409),
)
def house_declare(body: c.HouseDeclare):
    return house_card(declare_house(current_user, body), current_user), 201


@route(
    "/houses",
    summary="Houses: a landlord's own, or staff's in scope, filtered by region, status, colour, overdue",
    tag="houses",
    roles=LIST_ROLES,
    params=[
        ("region", "string", False, "a region code inside your scope"),
        ("status", "string", False, "declared, active, rejected, suspended, closed, withdrawn"),
        ("colour", "string", False, "grey, green, yellow, red"),
        ("overdue", "boolean", False, "1: only houses with an overdue obligation"),
        ("q", "string", False, "words the address contains, in any order (解放街 12号)"),
        ("limit", "integer", False, "1–500, default 100"),
        ("offset", "integer", False, "default 0"),
        ("near", "string", False, "lon,lat (WGS84): nearest first, each with distance_m"),
        ("format", "string", False, "csv or xlsx: every matching house (no limit) as a streamed download"),
    ],
    response=c.HouseList,
    errors=(400, 404),
    produces=("text/csv", export.FORMATS["xlsx"]),
)
def house_list():
    query = queries.houses(current_user, request.args)
    fmt = export.wanted()
    if fmt:
        return export.respond(fmt, "houses", queries.EXPORT_COLUMNS, queries.export_rows(query))
    limit, offset = int_arg("limit", 100, 1, 500), int_arg("offset", 0, 0, 10_000_000)
    return {"houses": queries.page(query, limit, offset, _near())}


def _near() -> tuple[float, float] | None:
    """?near=lon,lat as two WGS84 numbers, or None."""
    raw = request.args.get("near")
    if not raw:
        return None
    try:
        lon, lat = (float(v) for v in raw.split(","))
    except ValueError:
        raise ValidationError(fields={"near": "error.not_number"}) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # nan fails these too
        raise ValidationError(fields={"near": "error.out_of_range"})
    return lon, lat


@route(
    "/houses/<int:house_id>",
    summary="The house card: status, colour, doorplate, capacity, masked occupants (the timeline: /timeline)",
    tag="houses",
    roles=LIST_ROLES,
    response=c.HouseCard,
    errors=(404,),
)
def house_detail(house_id):
    return house_card(visible_house(house_id), current_user)  # its masked read's audit event committed by the route


@route(
    "/houses/<int:house_id>/withdraw",
    "POST",
    summary="The landlord stops letting an empty house; its plate is revoked",
    tag="houses",
    roles=("landlord",),
    response=c.HouseCard,
    errors=(404, 409),
)
def house_withdraw(house_id):
    house = own_house(current_user, house_id)
    withdraw_house(current_user, house)
    return house_card(house, current_user)


@route(
    "/doorplates/<token>/card",
    summary="部门监管用码: scan a door, get the house card (staff in scope, the landlord); the scan is recorded",
    tag="houses",
    roles=HOUSE_READERS,
    params=[("lon", "number", False, "where the scan happened"), ("lat", "number", False, "")],
    response=c.HouseCard,
    errors=(404, 410),
)
def house_card_by_scan(token):
    tok = tokens.verify(token, keys.signing_keys())
    # The fast path's cached card is the staff card (a landlord's differs for a conflicting check-in: card.py).
    if tok is not None and current_user.is_staff and fastscan.available() and scan_position() == (None, None):
        card = _fast_card_by_scan(tok)
        if card is not None:
            return card
    found = resolve_token(token)
    record_scan(found, "api", current_user, *scan_position())
    if found.result != "ok":
        refuse(found)
    return house_card(visible_house(found.plate.house_id), current_user, found.plate)


def _fast_card_by_scan(tok):
    """PostgreSQL, no position sent: the card from this process's cache (a door scanned again) or from two prepared
    reads; the scan row and the audit event of the masked read queued for their batch writers (fastcard.py).
    None: no such plate."""
    user = current_user._get_current_object()
    cache, today, key = fastscan.page_cache(), date.today(), ("card", tok.plate_id)
    entry = cache.lookup(key, today) if cache else None
    if entry is None or classify(tok.version, entry.view.version, entry.view.state, entry.view.house_status) != "ok":
        epoch = cache.epoch if cache else None
        result, plate = fastscan.read(tok.plate_id, tok.version)
        if plate is None:
            return None  # the general path records and answers it
        if result != "ok":
            after_scan(result, plate.id, tok.version, "api", user.id, user.role, queued=True)
            problem(Resolution(result, plate, tok.version))
        entry = None
    plate = entry.view if entry else plate
    if not may_see_house(user, plate):
        raise NotFound()  # no scan row, as on the general path (its transaction is rolled back)
    if entry is None:
        entry = fastcard.read(plate, today)
        if cache:
            cache.store(key, entry, epoch)
    card = fastcard.house_card(entry, user)  # its masked read's audit event queued
    after_scan("ok", plate.id, tok.version, "api", user.id, user.role, queued=True)
    return card


@route(
    "/houses/<int:house_id>/timeline",
    summary="A house's timeline, newest first, a page at a time: declared, visits, check-ins, notices, scans …",
    tag="houses",
    roles=LIST_ROLES,
    params=[
        ("before", "string", False, "an ISO 8601 instant: only older events (the previous page's next_before)"),
        ("limit", "integer", False, "1–200, default 50 (a page runs on to the end of a tie)"),
        ("scans", "boolean", False, "0: leave the scans out"),
    ],
    response=c.HouseTimeline,
    errors=(400, 404),
)
def house_timeline(house_id):
    house = visible_house(house_id)
    limit, scans = int_arg("limit", 50, 1, 200), request.args.get("scans") not in ("0", "false")
    events, next_before = timeline.page(house, _before(), limit, scans)
    return {"events": events, "next_before": next_before}


def _before() -> datetime | None:
    """?before= as an aware instant (UTC when no offset is given), or None."""
    raw = request.args.get("before")
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(fields={"before": "error.not_date"}) from None
    if not 2000 <= at.year <= 2999:  # year 1 with an offset would overflow on the way to UTC
        raise ValidationError(fields={"before": "error.out_of_range"})
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def init_app(app):
    """Houses: the landlord declares, the card, lists."""
    # the routes above are registered on import
