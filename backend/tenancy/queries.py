"""Tenancy lists as queries: a tenant's own or a landlord's tenants (auth/scope.py), a region's active tenants."""

from sqlalchemy import Select, or_, select

from backend.addresses.models import Address
from backend.auth.capacity import RESIDENT
from backend.auth.scope import visible_houses, within
from backend.errors import ValidationError
from backend.extensions import db
from backend.houses.models import House
from backend.people.vault import shown
from backend.tenancy.models import Person, Tenancy

STATUSES = ("pending", "active", "ended", "refused")
TENANT_COLUMNS = ["tenancy_id", "house_id", "address", "unit_label", "room", "move_in", "name", "id_number", "phone"]


def tenancies(user, status: str | None = None) -> Select:
    """(tenancy, person, address) rows: a tenant's own tenancies, or those at houses user may see; newest first,
    at most 500. 400 for a status that is not one."""
    query = select(Tenancy, Person, Address.full_text).join(Person, Tenancy.person_id == Person.id)
    query = query.join(House, Tenancy.house_id == House.id).join(Address, House.address_id == Address.id)
    if user.role == RESIDENT:  # their own tenancies and those at the houses they let
        query = query.where(or_(Tenancy.tenant_user_id == user.id, visible_houses(user)))
    elif user.role == "tenant":
        query = query.where(Tenancy.tenant_user_id == user.id)
    else:
        query = query.where(visible_houses(user))
    if status:
        if status not in STATUSES:
            raise ValidationError(fields={"status": "error.not_a_choice"})
        query = query.where(Tenancy.status == status)
    return query.order_by(Tenancy.id.desc()).limit(500)


def active_tenants(prefix: str) -> Select:
    """(tenancy, person, unit label, address) of the active tenancies under a region code prefix, by tenancy id.
    The caller checks the prefix is in scope."""
    return (
        select(Tenancy, Person, House.unit_label, Address.full_text)
        .join(Person, Tenancy.person_id == Person.id)
        .join(House, Tenancy.house_id == House.id)
        .join(Address, House.address_id == Address.id)
        .where(Tenancy.status == "active", within(House.scope_code, prefix))
        .order_by(Tenancy.id)
    )


def tenant_rows(query: Select, audited: set[int], reveal: bool):
    """active_tenants() rows as TENANT_COLUMNS, the person masked unless reveal; only the tenancies in audited
    (one that became active after its audit event was written was not read)."""
    for tenancy, person, unit, address in db.session.execute(query):
        if tenancy.id not in audited:
            continue
        who = shown(person, reveal)
        at = (tenancy.id, tenancy.house_id, address, unit, tenancy.room, tenancy.move_in.isoformat())
        yield (*at, who["name"], who["id_number"], who["phone"])
