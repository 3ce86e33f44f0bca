"""Check in, confirm or refuse, check out (承租入住扫码). Plain functions: they flush and audit, the caller commits.

Capacity is a counter on the house with a CHECK constraint, moved by one conditional UPDATE: two tenants racing
for the last place both send it, the database lets exactly one through (PostgreSQL row lock, SQLite's single
writer), and the CHECK stops any code path from ever exceeding max_occupants.
"""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update

from backend import audit
from backend.doorplates.operations import resolve_token
from backend.errors import Conflict, NotFound, ValidationError
from backend.extensions import db
from backend.forms import Form
from backend.houses.models import House
from backend.obligations.operations import add_months, cancel_for_tenancy, start_registration_renewal
from backend.people import validate
from backend.people.vault import id_index, seal
from backend.tenancy.models import OCCUPYING, Person, ResidenceRegistration, Tenancy
from backend.types import utcnow

MOVE_IN_WINDOW_DAYS = 30


def _person_fields(form: Form):
    def check(fn):
        def run(value):
            try:
                return fn(value)
            except validate.PersonDataError as err:
                raise ValidationError(fields={err.field: err.reason}) from None

        return run

    name = form.check("name", check(validate.check_name))
    id_number = form.check("id_number", check(validate.check_id_number))
    phone = form.check("phone", check(validate.check_phone))
    return name, id_number, phone


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


def _take_place(house: House) -> None:
    taken = db.session.execute(
        update(House)
        .where(House.id == house.id, House.status == "active", House.occupants < House.max_occupants)
        .values(occupants=House.occupants + 1)
    ).rowcount
    if not taken:
        raise Conflict("error.house_full", code="house_full", max=house.max_occupants)


def _free_place(house_id: int) -> None:
    db.session.execute(update(House).where(House.id == house_id).values(occupants=House.occupants - 1))


def check_in(tenant, token: str, data: dict) -> Tenancy:
    """A tenant at the door: their details and move-in date; a place is held until the landlord decides."""
    form = Form(data)
    name, id_number, phone = _person_fields(form)
    room = form.str("room", required=False, max_length=40)
    move_in = form.date("move_in")
    move_out = form.date("expected_move_out", required=False)
    today = date.today()
    if move_in and not today - timedelta(days=365) <= move_in <= today + timedelta(days=MOVE_IN_WINDOW_DAYS):
        form.errors.setdefault("move_in", "error.move_in_window")
    if move_in and move_out and move_out <= move_in:
        form.errors.setdefault("expected_move_out", "error.move_out_before_move_in")
    form.done()
    house = house_for_check_in(token)
    person = db.session.scalar(select(Person).where(Person.id_number_index == id_index(id_number)))
    if person is None:
        person = Person(user_id=tenant.id)
        db.session.add(person)
    seal(person, name, id_number, phone)  # the latest name and phone win
    db.session.flush()
    occupying = db.session.scalars(
        select(Tenancy).where(Tenancy.person_id == person.id, Tenancy.status.in_(OCCUPYING))
    ).all()
    if any(t.house_id == house.id for t in occupying):
        raise Conflict("error.already_checked_in", code="already_checked_in")
    _take_place(house)
    tenancy = Tenancy(
        house_id=house.id,
        person_id=person.id,
        tenant_user_id=tenant.id,
        room=room,
        move_in=move_in,
        expected_move_out=move_out,
        duplicate_of_id=occupying[0].id if occupying else None,
    )
    db.session.add(tenancy)
    db.session.flush()
    audit.record(
        "tenancy.check_in",
        actor=tenant,
        target=tenancy,
        region_code=house.scope_code,
        house_id=house.id,
        duplicate_of=tenancy.duplicate_of_id,
    )
    return tenancy


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
    if tenancy.status != "pending":
        raise Conflict("error.tenancy_not_pending", code="tenancy_not_pending")
    tenancy.decided_at = utcnow()
    if confirm:
        tenancy.status = "active"
        valid_until = add_months(date.today(), current_app.config["RESIDENCE_RENEWAL_MONTHS"])
        db.session.add(ResidenceRegistration(tenancy_id=tenancy.id, valid_until=valid_until))
        db.session.flush()
        start_registration_renewal(tenancy, valid_until)
    else:
        tenancy.status = "refused"
        _free_place(house.id)
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
    if tenancy.status not in OCCUPYING:
        raise Conflict("error.tenancy_ended", code="tenancy_ended")
    tenancy.status, tenancy.ended_at, tenancy.ended_by_id = "ended", utcnow(), user.id
    _free_place(house.id)
    cancel_for_tenancy(tenancy.id)
    db.session.flush()
    audit.record("tenancy.check_out", actor=user, target=tenancy, region_code=house.scope_code)
    return tenancy
