"""Check in from the doorplate, the landlord's decision, check out, my tenancies; the police reveal."""

from flask import request
from flask_login import current_user
from sqlalchemy import select

from backend import audit
from backend.addresses.models import Address
from backend.api.routing import route
from backend.auth.models import STAFF_ROLES
from backend.auth.scope import in_scope, require_in_scope
from backend.errors import NotFound
from backend.extensions import db
from backend.houses.card import presented_masked
from backend.houses.models import House
from backend.people.validate import mask_id, mask_name, mask_phone
from backend.people.vault import masked, open_person, read_events
from backend.tenancy import contracts as c
from backend.tenancy import queries
from backend.tenancy.models import OCCUPYING, Person, Tenancy
from backend.tenancy.operations import check_in, check_out, decide, get_tenancy, presented, resolve_conflict


def tenancy_json(t: Tenancy, person: dict, address: str) -> dict:
    out = {
        "id": t.id,
        "house_id": t.house_id,
        "address": address,
        "status": t.status,
        "room": t.room,
        "move_in": t.move_in.isoformat(),
        "expected_move_out": t.expected_move_out and t.expected_move_out.isoformat(),
        "person": person,
    }
    if t.tenant_user_id == current_user.id:  # their own: nothing about other houses or a record they did not type
        return out
    conflict = {"conflict": t.conflict, "presented": presented_masked(t.presented_name_enc, t.presented_phone_enc)}
    # Where else the ID number's holder lives is not the business of the landlord of a conflicting check-in.
    elsewhere = t.duplicate_of_id is not None and (t.presented_name_enc is None or current_user.role in STAFF_ROLES)
    return {**out, "duplicate_elsewhere": elsewhere, **conflict}


def people_shown(pairs, why: str) -> dict[int, dict]:
    """tenancy id -> its person as the caller sees them, masked. The tenant and the landlord see what a conflicting
    check-in presented, never the stored record of the ID number's holder; staff see the stored person, the read
    audited."""
    typed = {t.id for t, _ in pairs if current_user.role not in STAFF_ROLES and t.presented_name_enc is not None}
    stored = masked([p for t, p in pairs if t.id not in typed], current_user, why=why)
    # A landlord or staff sees what a conflicting check-in presented (tenancy_json): each read audited.
    for t, _ in pairs:
        if t.presented_name_enc is not None and t.tenant_user_id != current_user.id:
            columns = {"house_id": t.house_id, "region_code": t.house.scope_code}
            shown = read_events([t.id], current_user, why, target_type="tenancies", **columns)
            db.session.add_all(audit.AuditEvent(**event) for event in shown)
    out = {}
    for t, p in pairs:
        if t.id in typed:
            clear = presented(t)
            id_number = mask_id(open_person(p)["id_number"])
            out[t.id] = {"name": mask_name(clear["name"]), "id_number": id_number, "phone": mask_phone(clear["phone"])}
        else:
            out[t.id] = stored[p.id]
    return out


def _one(t: Tenancy) -> dict:
    person = db.session.get(Person, t.person_id)
    address = db.session.scalar(
        select(Address.full_text).join(House, House.address_id == Address.id).where(House.id == t.house_id)
    )
    return tenancy_json(t, people_shown([(t, person)], why=f"tenancy {t.id}")[t.id], address)


@route(
    "/doorplates/<token>/check-in",
    "POST",
    summary="承租入住: a tenant at the door registers as living there",
    tag="tenancy",
    roles=("tenant",),
    body=c.CheckIn,
    response=c.Tenancy,
    status=201,
    errors=(400, 404, 409),
)
def tenancy_check_in(token, body: c.CheckIn):
    return _one(check_in(current_user, token, body)), 201


@route(
    "/tenancies",
    summary="A tenant's own tenancies; a landlord's tenants (filter ?status=pending to confirm)",
    tag="tenancy",
    roles=("tenant", "landlord"),
    params=[("status", "string", False, "pending, active, ended, refused")],
    response=c.TenancyList,
    errors=(400,),
)
def tenancy_list():
    rows = db.session.execute(queries.tenancies(current_user, request.args.get("status"))).all()
    people = people_shown([(t, p) for t, p, _ in rows], why="tenancy list")
    return {"tenancies": [tenancy_json(t, people[t.id], a) for t, p, a in rows]}


def _decide(tenancy_id, confirm, reason=None):
    return _one(decide(current_user, get_tenancy(tenancy_id), confirm, reason))


@route(
    "/tenancies/<int:tenancy_id>/confirm",
    "POST",
    summary="The landlord confirms: active, residence registration",
    tag="tenancy",
    roles=("landlord",),
    response=c.Tenancy,
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
    body=c.Refuse,
    response=c.Tenancy,
    errors=(400, 404, 409),
)
def tenancy_refuse(tenancy_id, body: c.Refuse):
    return _decide(tenancy_id, False, body.reason)


@route(
    "/tenancies/<int:tenancy_id>/check-out",
    "POST",
    summary="The tenant or the landlord ends a tenancy",
    tag="tenancy",
    roles=("tenant", "landlord"),
    response=c.Tenancy,
    errors=(404, 409),
)
def tenancy_check_out(tenancy_id):
    return _one(check_out(current_user, get_tenancy(tenancy_id)))


@route(
    "/tenancies/<int:tenancy_id>/resolve",
    "POST",
    summary="Police or a supervisor in scope settle a conflicting check-in: keep the stored person, correct it with "
    "what was presented, or refuse the check-in (reason required, audited)",
    tag="tenancy",
    roles=("police", "supervisor"),
    body=c.ConflictResolve,
    response=c.Tenancy,
    errors=(400, 404, 409),
)
def tenancy_resolve(tenancy_id, body: c.ConflictResolve):
    return _one(resolve_conflict(current_user, get_tenancy(tenancy_id), body))


@route(
    "/people/<int:person_id>/reveal",
    "POST",
    summary="Police: full name, ID number and phone of a person living in a house in scope (reason required, audited)",
    tag="tenancy",
    roles=("police",),
    body=c.Reveal,
    response=c.Person,
    errors=(400, 404),
    personal=True,  # an idempotent replay re-runs this audited read; the answer is never stored
)
def person_reveal(person_id, body: c.Reveal):
    reason = body.reason
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
    # Open identity conflicts on this ID number at houses in scope: what each check-in presented, to compare.
    conflicts = db.session.scalars(
        select(Tenancy)
        .join(House, Tenancy.house_id == House.id)
        .where(Tenancy.person_id == person.id, Tenancy.conflict == "open", Tenancy.status == "pending")
        .order_by(Tenancy.id)
    ).all()
    shown = [{"tenancy_id": t.id, **presented(t)} for t in conflicts if in_scope(current_user, t.house.scope_code)]
    extra = {"conflicts": [c["tenancy_id"] for c in shown]} if shown else {}
    audit.record(
        "person.reveal",
        actor=current_user,
        target=person,
        house_id=house_id,
        region_code=code,
        masked=False,
        reason=reason,
        **extra,
    )
    return {"id": person.id, **clear, "presented": shown}


def init_app(app):
    """承租入住: check in, the landlord decides, check out; the police reveal."""
    # the routes above are registered on import
