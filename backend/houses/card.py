"""The house card (部门监管用码): status, colour, doorplate, capacity, the people living there masked, a timeline."""

from sqlalchemy import func, select

from backend.auth.models import User
from backend.doorplates.lookup import PlateView, load_plate
from backend.doorplates.models import Doorplate, DoorplateRevocation, Scan
from backend.extensions import db
from backend.fire.models import FireNotice, NoticeItem
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.people.vault import masked
from backend.tenancy.models import OCCUPYING, Person, Tenancy
from backend.uploads.models import Photo
from backend.verification.models import Verification

TIMELINE_SCANS = 20


def _iso(value):
    return value.isoformat() if value else None


def occupants(house: House, actor) -> list[dict]:
    """Pending and active tenants, masked; the read is audited."""
    rows = db.session.execute(
        select(Tenancy, Person)
        .join(Person, Tenancy.person_id == Person.id)
        .where(Tenancy.house_id == house.id, Tenancy.status.in_(OCCUPYING))
        .order_by(Tenancy.id)
    ).all()
    people = masked([p for _, p in rows], actor, why=f"house {house.id} card")
    return [
        {
            "tenancy_id": t.id,
            "person_id": p.id,
            "status": t.status,
            "room": t.room,
            "move_in": _iso(t.move_in),
            "duplicate_elsewhere": t.duplicate_of_id is not None,
            **people[p.id],
        }
        for t, p in rows
    ]


def timeline(house: House, plate: Doorplate | None = None) -> list[dict]:
    """Everything that happened to the house, newest first."""
    events = [{"at": _iso(house.declared_at), "kind": "declared"}]
    for v, name in db.session.execute(
        select(Verification, User.display_name)
        .join(User, Verification.worker_id == User.id)
        .where(Verification.house_id == house.id)
    ):
        events.append(
            {
                "at": _iso(v.at),
                "kind": "verified",
                "outcome": v.outcome,
                "by": name,
                "distance_m": v.distance_m,
                "flags": v.flags,
                "reasons": v.reasons,
            }
        )
    for t in db.session.scalars(select(Tenancy).where(Tenancy.house_id == house.id)):
        events.append({"at": _iso(t.created_at), "kind": "check_in", "tenancy_id": t.id})
        if t.decided_at:
            events.append(
                {
                    "at": _iso(t.decided_at),
                    "kind": "refused" if t.status == "refused" else "confirmed",
                    "tenancy_id": t.id,
                }
            )
        if t.ended_at:
            events.append({"at": _iso(t.ended_at), "kind": "check_out", "tenancy_id": t.id})
    events += notice_events(house)
    for o in db.session.scalars(select(Obligation).where(Obligation.house_id == house.id, Obligation.state != "open")):
        at = o.fulfilled_at or o.overdue_at
        if at:
            events.append(
                {"at": _iso(at), "kind": f"obligation_{o.state}", "obligation": o.kind, "via": o.fulfilled_via}
            )
    plate = plate or db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id))
    if plate:
        for r in db.session.scalars(select(DoorplateRevocation).where(DoorplateRevocation.doorplate_id == plate.id)):
            events.append(
                {"at": _iso(r.revoked_at), "kind": "doorplate_revoked", "version": r.version, "reason": r.reason}
            )
        scans = select(Scan).where(Scan.doorplate_id == plate.id).order_by(Scan.at.desc()).limit(TIMELINE_SCANS)
        for s in db.session.scalars(scans):
            events.append({"at": _iso(s.at), "kind": "scan", "result": s.result, "role": s.role or "anonymous"})
    return sorted(events, key=lambda e: e["at"] or "", reverse=True)


def notice_events(house: House) -> list[dict]:
    """Every step of every fire notice (issued, read, evidence, overdue, escalated, closed): who and when."""
    notices = db.session.scalars(select(FireNotice).where(FireNotice.house_id == house.id)).all()
    if not notices:
        return []
    people = {n.issued_by_id for n in notices} | {n.closed_by_id for n in notices}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(people - {None}))).all())
    ids = [n.id for n in notices]
    items = dict(
        db.session.execute(
            select(NoticeItem.notice_id, func.count(NoticeItem.id))
            .where(NoticeItem.notice_id.in_(ids))
            .group_by(NoticeItem.notice_id)
        ).all()
    )
    photos = dict(
        db.session.execute(
            select(NoticeItem.notice_id, func.count(Photo.id))
            .join(Photo, Photo.notice_item_id == NoticeItem.id)
            .where(NoticeItem.notice_id.in_(ids))
            .group_by(NoticeItem.notice_id)
        ).all()
    )
    events = []
    for n in notices:
        base = {"notice_id": n.id, "notice_kind": n.kind, "title": n.title}
        events.append(
            {
                **base,
                "at": _iso(n.issued_at),
                "kind": "notice",
                "deadline": _iso(n.deadline),
                "status": n.status,
                "by": names.get(n.issued_by_id),
                "parent_id": n.parent_id,
            }
        )
        steps = (
            ("notice_read", n.read_at, {}),
            ("notice_evidence", n.submitted_at, {"items": items.get(n.id, 0), "photos": photos.get(n.id, 0)}),
            ("notice_overdue", n.overdue_at, {}),
            ("notice_escalated", n.escalated_at, {}),
            ("notice_closed", n.closed_at, {"outcome": n.outcome, "by": names.get(n.closed_by_id)}),
        )
        events += [{**base, "at": _iso(at), "kind": kind, **extra} for kind, at, extra in steps if at]
    return events


def house_card(house: House, actor, view: PlateView | None = None) -> dict:
    """The card; `view` is the plate as a scan just read it, when there was one."""
    plate_row = db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id))
    view = view or load_plate(plate_row.plate_id)
    pending = db.session.execute(
        select(Obligation.kind, Obligation.due_date, Obligation.state, Obligation.id)
        .where(Obligation.house_id == house.id, Obligation.state.in_(("open", "overdue")))
        .order_by(Obligation.due_date)
    ).all()
    scans = db.session.scalar(select(func.count(Scan.id)).where(Scan.doorplate_id == plate_row.id))
    return {
        "id": house.id,
        "address": view.address,
        "address_code": view.address_code,
        "unit_label": house.unit_label,
        "scope_code": house.scope_code,
        "status": house.status,
        "colour": view.colour,
        "rent_type": house.rent_type,
        "rooms": house.rooms,
        "floor_area": house.floor_area,
        "max_occupants": house.max_occupants,
        "occupants_count": house.occupants,
        "fire_self_check": house.fire_self_check,
        "doorplate": {
            "state": view.state,
            "version": view.version,
            "short_code": view.short_code,
            "printed_at": _iso(plate_row.printed_at),
        },
        "occupants": occupants(house, actor),
        "obligations": [{"id": i, "kind": k, "due_date": _iso(d), "state": s} for k, d, s, i in pending],
        "notices": [
            {"kind": n.kind, "title": n.title, "deadline": _iso(n.deadline), "status": n.status} for n in view.notices
        ],
        "scans_total": scans,
        "timeline": timeline(house, plate_row),
    }
