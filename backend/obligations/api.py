"""Obligations: what is due, and fulfilling one by scanning the door (刷码履约) or in the app."""

from flask_login import current_user
from sqlalchemy import and_, or_, select

from backend.api.routing import route
from backend.auth.capacity import RESIDENT
from backend.auth.scope import visible_houses
from backend.doorplates.operations import resolve_token
from backend.errors import NotFound, ValidationError
from backend.extensions import db
from backend.houses.models import House
from backend.obligations import cli
from backend.obligations import contracts as c
from backend.obligations.models import Obligation
from backend.obligations.operations import fulfil, get_obligation
from backend.overdue import effective_obligation_state
from backend.tenancy.models import Tenancy


def obligation_json(o: Obligation) -> dict:
    return {
        "id": o.id,
        "house_id": o.house_id,
        "tenancy_id": o.tenancy_id,
        "kind": o.kind,
        "due_date": o.due_date.isoformat(),
        "state": effective_obligation_state(o),  # overdue from the due date on, no sweep needed
    }


def _mine():
    """Landlords: their houses' occupant confirmations; tenants: their own registration renewals; residents: both."""
    houses = select(House.id).where(visible_houses(current_user))
    as_landlord = and_(Obligation.house_id.in_(houses), Obligation.kind == "occupant_confirmation")
    as_tenant = Obligation.tenancy_id.in_(select(Tenancy.id).where(Tenancy.tenant_user_id == current_user.id))
    if current_user.role == RESIDENT:
        return (or_(as_landlord, as_tenant),)
    return (as_landlord,) if current_user.role == "landlord" else (as_tenant,)


@route(
    "/obligations",
    summary="My open and overdue obligations, soonest first",
    tag="obligations",
    roles=("landlord", "tenant"),
    response=c.ObligationList,
)
def obligation_list():
    rows = db.session.scalars(
        select(Obligation)
        .where(*_mine(), or_(Obligation.state == "open", Obligation.state == "overdue"))
        .order_by(Obligation.due_date)
    )
    return {"obligations": [obligation_json(o) for o in rows]}


@route(
    "/obligations/<int:obligation_id>/fulfil",
    "POST",
    summary="Fulfil an obligation: via scan (the doorplate token of the house, required) or via app (the "
    "monthly occupant confirmation only; a registration renewal needs the scan)",
    tag="obligations",
    roles=("landlord", "tenant"),
    body=c.Fulfil,
    response=c.Fulfilled,
    errors=(400, 404, 409),
)
def obligation_fulfil(obligation_id, body: c.Fulfil):
    ob = get_obligation(obligation_id)
    if db.session.scalar(select(Obligation.id).where(Obligation.id == ob.id, *_mine())) is None:
        raise NotFound()
    via = body.how
    if via == "scan":
        found = resolve_token(body.token)
        if found.result != "ok" or found.plate.house_id != ob.house_id:
            raise ValidationError(fields={"token": "error.token_not_this_house"})
    nxt = fulfil(current_user, ob, via)
    return {**obligation_json(ob), "via": via, "next": obligation_json(nxt)}


def init_app(app):
    """刷码履约: recurring obligations fulfilled by a scan."""
    cli.init_app(app)
