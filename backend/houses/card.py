"""The house card (部门监管用码): status, colour, doorplate, capacity, the people living there masked.

Built by `assemble` from what two read paths return: `house_card` here (any database, the ORM; the audit event
joins the caller's transaction) and `fastcard.house_card` (PostgreSQL, one statement, for a scan at the door; the
audit event committed on its own); tests/test_house_card.py checks they agree. The timeline has its own paged
endpoint (timeline.py).
"""

from datetime import UTC

from sqlalchemy import select

from backend.audit import AuditEvent
from backend.doorplates.lookup import PlateView, load_plate
from backend.doorplates.models import Doorplate, ScanCount
from backend.extensions import db
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.overdue import obligation_state
from backend.people.validate import mask_name, mask_phone
from backend.people.vault import masked, read_events, vault
from backend.tenancy.models import OCCUPYING, Person, Tenancy

PENDING = ("open", "overdue")


def _iso(value):
    return value.isoformat() if value else None


def presented_masked(name_enc: str | None, phone_enc: str | None) -> dict | None:
    """What a conflicting check-in presented, masked ({"name", "phone"}); None without a conflict."""
    if name_enc is None:
        return None
    v = vault()
    return {"name": mask_name(v.decrypt(name_enc, "name")), "phone": mask_phone(v.decrypt(phone_enc, "phone"))}


def presented_ids(tenants) -> list[int]:
    """The tenancies (of `assemble`'s tenants) whose presented name and phone the card shows: each read audited."""
    return [t[0] for t in tenants if t[6] is not None]


def why(house_id: int) -> str:
    """The reason the audit event of a card's masked read gives."""
    return f"house {house_id} card"


def assemble(
    view: PlateView, details: dict, obligations: list, scans_total: int, tenants: list, people, staff: bool = True
) -> dict:
    """The card. obligations: (id, kind, due date ISO, state); tenants: (tenancy id, status, room, move-in ISO,
    counted elsewhere too, conflict, presented name and phone sealed, person with sealed fields), by tenancy id;
    people: their masked fields by person id; staff: the reader is staff (else the landlord, see _occupant)."""
    printed_at = details["printed_at"]
    return {
        "id": view.house_id,
        "address": view.address,
        "address_code": view.address_code,
        "unit_label": details["unit_label"],
        "scope_code": view.scope_code,
        "status": view.house_status,
        "colour": view.colour,
        "rent_type": details["rent_type"],
        "rooms": details["rooms"],
        "floor_area": details["floor_area"],
        "max_occupants": view.max_occupants,
        "occupants_count": view.occupants,
        "fire_self_check": details["fire_self_check"],
        "doorplate": {
            "state": view.state,
            "version": view.version,
            "short_code": view.short_code,
            "printed_at": _iso(printed_at and printed_at.astimezone(UTC)),
        },
        "occupants": [_occupant(*tenant, people, staff) for tenant in tenants],
        "obligations": [{"id": i, "kind": k, "due_date": d, "state": s} for i, k, d, s in obligations],
        "notices": [
            {"kind": n.kind, "title": n.title, "deadline": _iso(n.deadline), "status": n.status} for n in view.notices
        ],
        "scans_total": scans_total,
    }


def _occupant(t, status, room, move_in, duplicate, conflict, name_enc, phone_enc, p, people, staff) -> dict:
    """One occupant of the card. Staff see the stored person beside what a conflicting check-in presented; the
    landlord sees only what was typed at their door, never the stored record of the ID number's holder (someone
    else's tenant) nor that the holder lives elsewhere."""
    shown = presented_masked(name_enc, phone_enc)
    typed = shown if shown is not None and not staff else {}
    return {
        "tenancy_id": t,
        "person_id": p.id,
        "status": status,
        "room": room,
        "move_in": move_in,
        "duplicate_elsewhere": duplicate and not typed,
        "conflict": conflict,
        "presented": shown,
        **people[p.id],
        **typed,
    }


def house_card(house: House, actor, view: PlateView | None = None) -> dict:
    """The card through the ORM; `view` is the plate as a scan just read it, when there was one."""
    plate = db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id))
    view = view or load_plate(plate.plate_id)
    pending = db.session.execute(
        select(Obligation.id, Obligation.kind, Obligation.due_date, obligation_state())
        .where(Obligation.house_id == house.id, Obligation.state.in_(PENDING))
        .order_by(Obligation.due_date, Obligation.id)
    ).all()
    scans = db.session.scalar(select(ScanCount.scans).where(ScanCount.doorplate_id == plate.id)) or 0
    rows = db.session.execute(
        select(Tenancy, Person)
        .join(Person, Tenancy.person_id == Person.id)
        .where(Tenancy.house_id == house.id, Tenancy.status.in_(OCCUPYING))
        .order_by(Tenancy.id)
    ).all()
    details = {
        "unit_label": house.unit_label,
        "rent_type": house.rent_type,
        "rooms": house.rooms,
        "floor_area": house.floor_area,
        "fire_self_check": house.fire_self_check,
        "printed_at": plate.printed_at,
    }
    tenants = [
        (
            t.id,
            t.status,
            t.room,
            _iso(t.move_in),
            t.duplicate_of_id is not None,
            t.conflict,
            t.presented_name_enc,
            t.presented_phone_enc,
            p,
        )
        for t, p in rows
    ]
    columns = {"house_id": house.id, "region_code": house.scope_code}
    people = masked([p for *_, p in tenants], actor, why=why(house.id), **columns)
    shown = read_events(presented_ids(tenants), actor, why(house.id), target_type="tenancies", **columns)
    db.session.add_all(AuditEvent(**event) for event in shown)
    pending = [(i, k, _iso(d), s) for i, k, d, s in pending]
    return assemble(view, details, pending, scans, tenants, people, staff=actor.is_staff)
