"""PostgreSQL's path for the house card at the door: one prepared read-only statement (house details, printed-at,
open obligations, scan count and the occupants' sealed fields as JSON arrays) instead of five, on the scan path's
autocommit connection; the people masked here, on the server, as on every path; the audit event of that read
written by one prepared INSERT that is committed, synchronously, before the card is returned — the same row the
ORM path adds to its transaction (vault.read_event), without the ORM's flush and commit around it.
"""

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backend.audit import AuditEvent
from backend.doorplates import fastscan
from backend.doorplates.lookup import PlateView
from backend.doorplates.models import Doorplate, Scan
from backend.houses import card
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.people.vault import mask, read_event
from backend.tenancy.models import OCCUPYING, Person, Tenancy
from backend.types import utcnow


@dataclass(frozen=True)
class Sealed:
    """What masking needs of a person: the id and the three encrypted fields."""

    id: int
    name_enc: str
    id_number_enc: str
    phone_enc: str


def _statement():
    # Dates inside json_build_array come out as ISO text (to_json always uses ISO), as date.isoformat() would.
    obligations = (
        select(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_array(Obligation.id, Obligation.kind, Obligation.due_date, Obligation.state),
                    Obligation.due_date,
                    Obligation.id,
                )
            )
        )
        .where(Obligation.house_id == House.id, Obligation.state.in_(card.PENDING))
        .scalar_subquery()
    )
    tenants = (
        select(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_array(
                        Tenancy.id,
                        Tenancy.status,
                        Tenancy.room,
                        Tenancy.move_in,
                        Tenancy.duplicate_of_id.is_not(None),
                        Person.id,
                        Person.name_enc,
                        Person.id_number_enc,
                        Person.phone_enc,
                    ),
                    Tenancy.id,
                )
            )
        )
        .join(Person, Tenancy.person_id == Person.id)
        .where(Tenancy.house_id == House.id, Tenancy.status.in_(OCCUPYING))
        .scalar_subquery()
    )
    scans = select(func.count(Scan.id)).where(Scan.doorplate_id == Doorplate.id).scalar_subquery()
    query = (
        select(
            House.unit_label,
            House.rent_type,
            House.rooms,
            House.floor_area,
            House.fire_self_check,
            Doorplate.printed_at,
            scans.label("scans_total"),
            obligations.label("obligations"),
            tenants.label("tenants"),
        )
        .join(Doorplate, Doorplate.house_id == House.id)
        .where(House.id == bindparam("house_id", None, type_=House.id.type, required=False))
    )
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    return str(compiled), dict(compiled.params), [c.key for c in query.selected_columns]


SQL, DEFAULTS, NAMES = _statement()
_EVENT_COLUMNS = [c for c in AuditEvent.__table__.c if c.key != "id"]
AUDIT_SQL = str(
    insert(AuditEvent.__table__)
    .values({c.key: bindparam(c.key, type_=c.type) for c in _EVENT_COLUMNS})
    .compile(dialect=postgresql.dialect())
).removesuffix(" RETURNING audit_events.id")


def house_card(view: PlateView, actor) -> dict:
    """The card of the plate a scan just read; its scan row is queued after this read, so it is counted here."""
    (row,) = fastscan.fetch(SQL, {**DEFAULTS, "house_id": view.house_id}, NAMES)
    tenants = [(*t[:5], Sealed(*t[5:])) for t in row["tenants"] or ()]
    people = mask(p for *_, p in tenants)
    if people:
        event = read_event(people, actor, card.why(view.house_id))
        fastscan.write(AUDIT_SQL, {**event, "at": utcnow(), "details": json.dumps(event["details"])})
    return card.assemble(view, row, row["obligations"] or [], row["scans_total"] + 1, tenants, people)
