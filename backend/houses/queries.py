"""The house list as a query: a landlord's own houses or staff's in scope (auth/scope.py), with the list's filters;
a page of it as JSON rows, or all of it as export rows."""

from sqlalchemy import Select, exists, select

from backend.addresses.models import Address
from backend.addresses.text import contains_words
from backend.auth.scope import require_in_scope, visible_houses, within
from backend.cockpit.models import HouseLastVisit
from backend.doorplates.models import Doorplate
from backend.doorplates.token import short_code
from backend.errors import ValidationError
from backend.extensions import db
from backend.houses.colour import COLOURS, colour_expr
from backend.houses.models import STATUSES, House
from backend.houses.nearest import nearest_first
from backend.obligations.models import Obligation
from backend.overdue import obligation_overdue

EXPORT_COLUMNS = [
    "house_id",
    "address",
    "unit_label",
    "status",
    "colour",
    "max_occupants",
    "occupants_count",
    "scope_code",
    "short_code",
    "last_visit_at",
]


def houses(user, args) -> Select:
    """The houses user may see, filtered by args (?region, status, colour, overdue, q); unordered.
    404 for a region outside the scope, 400 for a status or colour that is not one."""
    colour = colour_expr().label("colour")
    # The last field visit as the cockpit's patrol alerts count it (verification, re-inspection, a field scan).
    query = (
        select(House, Address.full_text, colour, Doorplate.plate_id, Doorplate.version, HouseLastVisit.at)
        .join(Address, House.address_id == Address.id)
        .outerjoin(Doorplate, Doorplate.house_id == House.id)
        .outerjoin(HouseLastVisit, HouseLastVisit.house_id == House.id)
        .where(visible_houses(user))
    )
    if args.get("region"):
        require_in_scope(user, args["region"])
        query = query.where(within(House.scope_code, args["region"]))
    for name, allowed in (("status", STATUSES), ("colour", COLOURS)):
        if args.get(name) and args[name] not in allowed:
            raise ValidationError(fields={name: "error.not_a_choice"})
    if args.get("status"):
        query = query.where(House.status == args["status"])
    if args.get("colour"):
        query = query.where(colour_expr() == args["colour"])
    if args.get("overdue") in ("1", "true"):
        query = query.where(exists(select(Obligation.id).where(Obligation.house_id == House.id, obligation_overdue())))
    if args.get("q"):
        query = query.where(*(Address.search_text.contains(w, autoescape=True) for w in contains_words(args["q"])))
    return query


def page(query: Select, limit: int, offset: int, near: tuple[float, float] | None) -> list[dict]:
    """One page of houses(): by id, or nearest first from near=(lon, lat), each with its distance_m."""
    if near:
        rows = db.session.execute(nearest_first(query, *near, limit, offset)).all()
    else:
        rows = [(*r, None) for r in db.session.execute(query.order_by(House.id).limit(limit).offset(offset))]
    return [
        {
            "id": h.id,
            "address": text,
            "unit_label": h.unit_label,
            "status": h.status,
            "colour": c,
            "max_occupants": h.max_occupants,
            "occupants_count": h.occupants,
            "scope_code": h.scope_code,
            "short_code": short_code(plate_id, version) if plate_id is not None else None,
            "last_visit_at": visited and visited.isoformat(),
            **({"distance_m": round(away, 1)} if near else {}),
        }
        for h, text, c, plate_id, version, visited, away in rows
    ]


def export_rows(query: Select):
    """Every house of houses() as EXPORT_COLUMNS rows, fetched a thousand at a time while the download streams."""
    for h, text, c, plate_id, version, visited in db.session.execute(
        query.order_by(House.id).execution_options(yield_per=1000)
    ):
        code = short_code(plate_id, version) if plate_id is not None else None
        yield (h.id, text, h.unit_label, h.status, c, h.max_occupants, h.occupants, h.scope_code, code, visited)
