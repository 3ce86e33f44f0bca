"""Check in, confirm or refuse, check out (承租入住扫码). Plain functions: they flush and audit, the caller commits.

Capacity is a counter on the house (pending + active tenancies) kept by triggers on tenancies, with a CHECK
constraint. A check-in first sends one conditional UPDATE of the house (active, a place free): two tenants racing
for the last place both send it, the database lets exactly one through (PostgreSQL row lock, SQLite's single
writer), and the CHECK stops any code path from ever exceeding max_occupants. Every transition of a tenancy is a
compare-and-set (UPDATE … WHERE status IN (…), row count checked → 409), after locking its house: house first,
then tenancy, in every path, so two transitions never wait on each other in opposite order
(tests/test_tenancy_races.py).

A check-in never changes another person's record: the person is re-sealed only by its holder (Person.user_id). An
ID number already held by someone else, presented with another name or phone, makes the tenancy a conflict
(pending, what was presented sealed on the tenancy) for the landlord to refuse or staff in scope to resolve; the
caller is told nothing about the stored person or other houses.
"""

from datetime import date

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from backend import audit
from backend.auth.scope import require_in_scope
from backend.doorplates.operations import resolve_token
from backend.errors import Conflict, NotFound, ValidationError
from backend.extensions import db
from backend.houses.models import House
from backend.i18n import t
from backend.notify.outbox import notify
from backend.obligations.operations import add_months, cancel_for_tenancy, start_registration_renewal
from backend.people.own import own_person, revise
from backend.people.vault import id_index, open_person, seal, vault
from backend.tenancy.contracts import CheckIn, ConflictResolve
from backend.tenancy.models import OCCUPYING, Person, ResidenceRegistration, Tenancy
from backend.types import utcnow


def house_for_check_in(token: str) -> House:
    found = resolve_token(token)
    if found.result != "ok":
        raise NotFound("doorplate.invalid", code="doorplate_invalid")
    house = db.session.get(House, found.plate.house_id)
    if house.status == "closed":
        raise Conflict("error.house_closed", code="house_closed")
    if house.status != "active" or found.plate.state != "active":
        raise Conflict("error.house_not_active", code="house_not_active")
    return house


def _hold_place(house: House) -> None:
    """Lock the house if it is active with a place free; the tenancy inserted next is counted by the trigger."""
    free = db.session.execute(
        update(House)
        .where(House.id == house.id, House.status == "active", House.occupants < House.max_occupants)
        .values(occupants=House.occupants)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not free:
        db.session.refresh(house)
        if house.status == "closed":
            raise Conflict("error.house_closed", code="house_closed")
        if house.status != "active":
            raise Conflict("error.house_not_active", code="house_not_active")
        raise Conflict("error.house_full", code="house_full", max=house.max_occupants)


def _lock_house(house_id: int) -> None:
    """SELECT … FOR UPDATE of the house (PostgreSQL; SQLite's single writer needs none)."""
    db.session.execute(select(House.id).where(House.id == house_id).with_for_update())


def _move(tenancy: Tenancy, allowed, *conds, **values) -> bool:
    """Compare-and-set: the tenancy takes `values` only if its status is still one of `allowed` (and conds hold)."""
    _lock_house(tenancy.house_id)
    moved = db.session.execute(
        update(Tenancy)
        .where(Tenancy.id == tenancy.id, Tenancy.status.in_(allowed), *conds)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(tenancy)
    house = db.session.get(House, tenancy.house_id)
    db.session.expire(house, ["occupants"])  # moved by the trigger
    return bool(moved)


def _person_for(tenant, name: str, id_number: str, phone: str) -> tuple[Person, bool]:
    """(the person of the ID number, whether this check-in conflicts with the stored record). A new ID number makes
    a person held by the caller; the holder's own check-in re-seals their record; anyone else's changes nothing."""
    index = id_index(id_number)
    person = db.session.scalar(select(Person).where(Person.id_number_index == index))
    if person is None:
        person = Person(user_id=tenant.id)
        seal(person, name, id_number, phone)
        try:  # someone else may be inserting the same new ID number right now: the unique index decides
            with db.session.begin_nested():
                db.session.add(person)
            return person, False
        except IntegrityError:
            person = db.session.scalar(select(Person).where(Person.id_number_index == index))
    if person.user_id != tenant.id:
        stored = open_person(person)
        return person, (stored["name"], stored["phone"]) != (name, phone)
    revise(person, tenant, name, phone, why="check-in")  # the holder's own: the older details are kept
    return person, False


def _details(tenant, form: CheckIn) -> tuple[str, str, str]:
    """The name, ID number and phone of a check-in: as typed, or all three from the caller's record on file."""
    typed = (form.name, form.id_number, form.phone)
    if typed == (None, None, None) and (own := own_person(tenant)) is not None:
        clear = open_person(own)
        return clear["name"], clear["id_number"], clear["phone"]
    missing = {f: "error.required" for f, v in zip(("name", "id_number", "phone"), typed, strict=True) if v is None}
    if missing:
        raise ValidationError(fields=missing)
    return typed


def check_in(tenant, token: str, form: CheckIn) -> Tenancy:
    """A tenant at the door: their details and move-in date; a place is held until the landlord decides. A returning
    resident leaves out name, ID number and phone: the record on file is used (一次采集)."""
    name, id_number, phone = _details(tenant, form)
    room, move_in, move_out = form.room, form.move_in, form.expected_move_out
    house = house_for_check_in(token)
    _hold_place(house)
    person, conflict = _person_for(tenant, name, id_number, phone)
    occupying = db.session.scalars(
        select(Tenancy).where(Tenancy.person_id == person.id, Tenancy.status.in_(OCCUPYING))
    ).all()
    # A conflicting check-in answers as any other (pending, flagged for staff): a 409 here would tell an impostor
    # that the holder of the ID number lives at this door.
    if not conflict and any(t.house_id == house.id for t in occupying):
        raise Conflict("error.already_checked_in", code="already_checked_in")
    tenancy = Tenancy(
        house_id=house.id,
        person_id=person.id,
        tenant_user_id=tenant.id,
        room=room,
        move_in=move_in,
        expected_move_out=move_out,
        duplicate_of_id=occupying[0].id if occupying else None,
    )
    if conflict:
        v = vault()
        tenancy.conflict = "open"
        tenancy.presented_name_enc, tenancy.presented_phone_enc = v.encrypt(name, "name"), v.encrypt(phone, "phone")
    db.session.add(tenancy)
    db.session.flush()
    db.session.expire(house, ["occupants"])  # moved by the trigger
    audit.record(
        "tenancy.check_in",
        actor=tenant,
        target=tenancy,
        region_code=house.scope_code,
        house_id=house.id,
        duplicate_of=tenancy.duplicate_of_id,
        conflict=conflict,
    )
    return tenancy


def presented(tenancy: Tenancy) -> dict | None:
    """What a conflicting check-in presented, opened: {"name", "phone"}; None for a tenancy without a conflict."""
    if tenancy.presented_name_enc is None:
        return None
    v = vault()
    return {
        "name": v.decrypt(tenancy.presented_name_enc, "name"),
        "phone": v.decrypt(tenancy.presented_phone_enc, "phone"),
    }


def get_tenancy(tenancy_id: int) -> Tenancy:
    tenancy = db.session.get(Tenancy, tenancy_id)
    if tenancy is None:
        raise NotFound()
    return tenancy


def decide(landlord, tenancy: Tenancy, confirm: bool, reason: str | None = None) -> Tenancy:
    """The landlord confirms (→ active, a residence registration) or refuses (→ the place is freed; the reason, if
    any, goes to the audit event)."""
    house = db.session.get(House, tenancy.house_id)
    if house.landlord_id != landlord.id:
        raise NotFound()
    # An open conflict is the staff's to resolve before anyone confirms it; the landlord may still refuse it.
    settled = (or_(Tenancy.conflict.is_(None), Tenancy.conflict != "open"),) if confirm else ()
    status = "active" if confirm else "refused"
    if not _move(tenancy, ("pending",), *settled, status=status, decided_at=utcnow()):
        if tenancy.status == "pending":
            raise Conflict("error.tenancy_conflict", code="tenancy_conflict")
        raise Conflict("error.tenancy_not_pending", code="tenancy_not_pending")
    if confirm:
        valid_until = add_months(date.today(), current_app.config["RESIDENCE_RENEWAL_MONTHS"])
        db.session.add(ResidenceRegistration(tenancy_id=tenancy.id, valid_until=valid_until))
        db.session.flush()
        start_registration_renewal(tenancy, valid_until)
    db.session.flush()
    extra = {"reason": reason} if reason else {}
    audit.record(
        "tenancy.confirm" if confirm else "tenancy.refuse",
        actor=landlord,
        target=tenancy,
        region_code=house.scope_code,
        **extra,
    )
    return tenancy


def check_out(user, tenancy: Tenancy) -> Tenancy:
    """The tenant or the landlord ends a tenancy; the place is freed and its obligations cancelled."""
    house = db.session.get(House, tenancy.house_id)
    if user.id not in (tenancy.tenant_user_id, house.landlord_id):
        raise NotFound()
    if not _move(tenancy, OCCUPYING, status="ended", ended_at=utcnow(), ended_by_id=user.id):
        raise Conflict("error.tenancy_ended", code="tenancy_ended")
    cancel_for_tenancy(tenancy.id)
    db.session.flush()
    audit.record("tenancy.check_out", actor=user, target=tenancy, region_code=house.scope_code)
    return tenancy


RESOLUTIONS = {"keep": "kept", "correct": "corrected", "refuse": "refused"}


def resolve_conflict(staff, tenancy: Tenancy, form: ConflictResolve) -> Tenancy:
    """Police or a supervisor in scope settle a conflicting check-in (audited, with a reason): `keep` the stored
    record (the check-in goes on to the landlord), `correct` it with what was presented (the presenter becomes its
    holder), or `refuse` the check-in (the place is freed)."""
    outcome, reason = form.outcome, form.reason
    house = db.session.get(House, tenancy.house_id)
    require_in_scope(staff, house.scope_code)
    values = {"conflict": RESOLUTIONS[outcome]}
    if outcome == "refuse":
        values.update(status="refused", decided_at=utcnow())
    if outcome != "refuse" and _occupied_by_person(tenancy):  # the holder lives there: only refusing makes sense
        raise Conflict("error.already_checked_in", code="already_checked_in")
    if not _move(tenancy, ("pending",), Tenancy.conflict == "open", **values):
        raise Conflict("error.conflict_resolved", code="conflict_resolved")
    if outcome == "correct":
        person = db.session.get(Person, tenancy.person_id)
        clear = presented(tenancy)
        seal(person, clear["name"], open_person(person)["id_number"], clear["phone"])
        person.user_id = tenancy.tenant_user_id
        db.session.flush()
    audit.record(
        "tenancy.resolve_conflict",
        actor=staff,
        target=tenancy,
        region_code=house.scope_code,
        outcome=outcome,
        reason=reason.strip(),
        person_id=tenancy.person_id,
    )
    return tenancy


def _occupied_by_person(tenancy: Tenancy) -> bool:
    """Another occupying, unconflicted tenancy of the same person in the same house (the unique index's rows)."""
    other = select(Tenancy.id).where(
        Tenancy.house_id == tenancy.house_id,
        Tenancy.person_id == tenancy.person_id,
        Tenancy.id != tenancy.id,
        Tenancy.status.in_(OCCUPYING),
        or_(Tenancy.conflict.is_(None), Tenancy.conflict != "open"),
    )
    return db.session.scalar(other.limit(1)) is not None


def end_for_closed_house(officer, house: House) -> int:
    """取缔: the house's active tenancies end and its pending check-ins are refused (end_reason house_closed), their
    obligations cancelled; each tenant hears of it (inbox, push, SMS). The caller has locked the house by changing
    its status. Returns how many tenancies it ended or refused."""
    now = utcnow()
    moves = (
        ("active", {"status": "ended", "ended_at": now, "ended_by_id": officer.id}),
        ("pending", {"status": "refused", "decided_at": now}),
    )
    ended = []
    for before, values in moves:
        ended += db.session.execute(
            update(Tenancy)
            .where(Tenancy.house_id == house.id, Tenancy.status == before)
            .values(end_reason="house_closed", **values)
            .returning(Tenancy.id, Tenancy.tenant_user_id)
            .execution_options(synchronize_session=False)
        ).all()
    db.session.expire(house, ["occupants"])
    for tenancy_id, tenant_id in ended:
        cancel_for_tenancy(tenancy_id)
        audit.record(
            "tenancy.house_closed",
            actor=officer,
            target_type="tenancies",
            target_id=str(tenancy_id),
            region_code=house.scope_code,
            house_id=house.id,
        )
        if tenant_id:
            notify(
                tenant_id,
                t("notify.house_closed.title"),
                t("notify.house_closed.body"),
                "/app/#/my-tenancy",
                sms=True,
                dedup_key=f"tenancy:{tenancy_id}:house_closed",
            )
    for tenancy in db.session.identity_map.values():
        if isinstance(tenancy, Tenancy) and tenancy.house_id == house.id:
            db.session.expire(tenancy)
    return len(ended)
