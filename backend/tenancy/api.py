"""Check in from the doorplate, the landlord's decision, check out, my tenancies; the police reveal."""

from flask import request
from flask_login import current_user
from sqlalchemy import select

from backend import audit
from backend.addresses.models import Address
from backend.api import json_body, route
from backend.auth.scope import require_in_scope
from backend.errors import NotFound, ValidationError
from backend.extensions import db
from backend.forms import Form
from backend.houses.models import House
from backend.people.vault import masked, open_person
from backend.tenancy.models import OCCUPYING, Person, Tenancy
from backend.tenancy.operations import check_in, check_out, decide, get_tenancy


def tenancy_json(t: Tenancy, person: dict, address: str) -> dict:
    return {
        "id": t.id,
        "house_id": t.house_id,
        "address": address,
        "status": t.status,
        "room": t.room,
        "move_in": t.move_in.isoformat(),
        "expected_move_out": t.expected_move_out and t.expected_move_out.isoformat(),
        "person": person,
        "duplicate_elsewhere": t.duplicate_of_id is not None,
    }


def _one(t: Tenancy) -> dict:
    person = db.session.get(Person, t.person_id)
    address = db.session.scalar(
        select(Address.full_text).join(House, House.address_id == Address.id).where(House.id == t.house_id)
    )
    return tenancy_json(t, masked([person], current_user, why=f"tenancy {t.id}")[person.id], address)


@route(
    "/doorplates/<token>/check-in",
    "POST",
    summary="承租入住: a tenant at the door registers as living there",
    tag="tenancy",
    roles=("tenant",),
    body="CheckIn",
    response="Tenancy",
    status=201,
    errors=(400, 404, 409),
)
def tenancy_check_in(token):
    tenancy = check_in(current_user, token, json_body())
    out = _one(tenancy)
    db.session.commit()
    return out, 201


@route(
    "/tenancies",
    summary="A tenant's own tenancies; a landlord's tenants (filter ?status=pending to confirm)",
    tag="tenancy",
    roles=("tenant", "landlord"),
    params=[("status", "string", False, "pending, active, ended, refused")],
    response="TenancyList",
    errors=(400,),
)
def tenancy_list():
    query = select(Tenancy, Person, Address.full_text).join(Person, Tenancy.person_id == Person.id)
    query = query.join(House, Tenancy.house_id == House.id).join(Address, House.address_id == Address.id)
    if current_user.role == "tenant":
        query = query.where(Tenancy.tenant_user_id == current_user.id)
    else:
        query = query.where(House.landlord_id == current_user.id)
    status = request.args.get("status")
    if status:
        if status not in ("pending", "active", "ended", "refused"):
            raise ValidationError(fields={"status": "error.not_a_choice"})
        query = query.where(Tenancy.status == status)
    rows = db.session.execute(query.order_by(Tenancy.id.desc()).limit(500)).all()
    people = masked([p for _, p, _ in rows], current_user, why="tenancy list")
    db.session.commit()
    return {"tenancies": [tenancy_json(t, people[p.id], a) for t, p, a in rows]}


def _decide(tenancy_id, confirm, reason=None):
    tenancy = decide(current_user, get_tenancy(tenancy_id), confirm, reason)
    out = _one(tenancy)
    db.session.commit()
    return out


@route(
    "/tenancies/<int:tenancy_id>/confirm",
    "POST",
    summary="The landlord confirms: active, residence registration",
    tag="tenancy",
    roles=("landlord",),
    response="Tenancy",
    errors=(404, 409),
)
def tenancy_confirm(tenancy_id):
    return _decide(tenancy_id, True)


@route(
    "/tenancies/<int:tenancy_id>/refuse",
    "POST",
    summary="The landlord refuses a pending check-in (an optional reason is kept in the audit log)",
    tag="tenancy",
    roles=("landlord",),
    body="Refuse",
    response="Tenancy",
    errors=(400, 404, 409),
)
def tenancy_refuse(tenancy_id):
    data = request.get_json(silent=True) or {}
    form = Form(data if isinstance(data, dict) else {})
    reason = form.str("reason", required=False, max_length=300)
    form.done()
    return _decide(tenancy_id, False, reason)


@route(
    "/tenancies/<int:tenancy_id>/check-out",
    "POST",
    summary="The tenant or the landlord ends a tenancy",
    tag="tenancy",
    roles=("tenant", "landlord"),
    response="Tenancy",
    errors=(404, 409),
)
def tenancy_check_out(tenancy_id):
    tenancy = check_out(current_user, get_tenancy(tenancy_id))
    out = _one(tenancy)
    db.session.commit()
    return out


@route(
    "/people/<int:person_id>/reveal",
    "POST",
    summary="Police: full name, ID number and phone of a person living in a house in scope (reason required, audited)",
    tag="tenancy",
    roles=("police",),
    body="Reveal",
    response="Person",
    errors=(400, 404),
    personal=True,  # an idempotent replay re-runs this audited read; the answer is never stored
)
def person_reveal(person_id):
    form = Form(json_body())
    reason = form.str("reason", max_length=300)
    if reason is not None and len(reason) < 4:
        form.errors["reason"] = "error.reason_too_short"
    form.done()
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound()
    homes = db.session.execute(
        select(House.id, House.scope_code)
        .join(Tenancy, Tenancy.house_id == House.id)
        .where(Tenancy.person_id == person.id, Tenancy.status.in_(OCCUPYING))
    ).all()
    if not homes:
        raise NotFound()
    house_id, code = homes[0]
    require_in_scope(current_user, code)
    clear = open_person(person)
    audit.record(
        "person.reveal",
        actor=current_user,
        target=person,
        house_id=house_id,
        region_code=code,
        masked=False,
        reason=reason,
    )
    db.session.commit()
    return {"id": person.id, **clear}
