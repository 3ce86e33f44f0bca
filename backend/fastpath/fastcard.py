"""PostgreSQL's path for the house card at the door: one prepared read-only statement (house details, printed-at,
open obligations, scan count and the occupants' sealed fields as JSON arrays) instead of five, on the scan path's
autocommit connection; the people masked here, on the server, as on every path; the audit event of that read
queued for this process's audit writer, which COPYs the events every READ_AUDIT_FLUSH_SECONDS with a synchronous
commit (scanlog.py) — the same row the ORM path adds to its transaction (vault.read_events). A hard crash (SIGKILL,
power) may lose that fraction of a second of read events; while the writer cannot write, each event is written
synchronously before the card is answered, so a database outage fails the read instead.

What the reads return is kept in this process's page cache (`Entry`, key ('card', plate id)) and dropped the moment
the database notifies a change to the house, its plate, notices, obligations, tenancies or their people
(pagecache.py): a door scanned again costs no read, only its audit event. Its `scans_total` is the count when the
entry was read plus the scans this process has recorded on it since (other processes' are seen at the next read,
LANDING_CACHE_SECONDS at the most).
"""

import time
from dataclasses import dataclass, field
from datetime import date

from flask import Response, current_app
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backend.audit import AuditEvent
from backend.doorplates.lookup import PlateView
from backend.doorplates.models import Doorplate, ScanCount
from backend.fastpath import fastscan
from backend.houses import card
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.overdue import obligation_state
from backend.people.vault import mask, read_events
from backend.tenancy.models import OCCUPYING, Person, Tenancy
from backend.types import utcnow


@dataclass(frozen=True)
class Sealed:
    """What masking needs of a person: the id and the three encrypted fields."""

    id: int
    name_enc: str
    id_number_enc: str
    phone_enc: str


@dataclass
class Entry:
    """A card's reads, cached: the plate as scanned, the house details, obligations, tenants and masked people."""

    house_id: int
    day: date
    stored: float
    view: PlateView
    details: dict
    tenants: list
    people: dict
    scans: list = field(default_factory=lambda: [0])  # the count at the read, plus this process's since
    body: str | None = None  # the card's JSON but scans_total, from its second character: encoded once


def _statement():
    # Dates inside json_build_array come out as ISO text (to_json always uses ISO), as date.isoformat() would.
    obligations = (
        select(
            func.json_agg(
                aggregate_order_by(
                    func.json_build_array(Obligation.id, Obligation.kind, Obligation.due_date, obligation_state()),
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
                        Tenancy.conflict,
                        Tenancy.presented_name_enc,
                        Tenancy.presented_phone_enc,
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
    scans = func.coalesce(select(ScanCount.scans).where(ScanCount.doorplate_id == Doorplate.id).scalar_subquery(), 0)
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


def read(view: PlateView, today: date) -> Entry:
    """The card's reads for the plate a scan just read (its scan row is queued after this, so not counted)."""
    (row,) = fastscan.fetch(SQL, {**DEFAULTS, "house_id": view.house_id, "today": today}, NAMES)
    tenants = [(*t[:8], Sealed(*t[8:])) for t in row["tenants"] or ()]
    people = mask(p for *_, p in tenants)
    return Entry(view.house_id, today, time.monotonic(), view, row, tenants, people, [row["scans_total"]])


def house_card(entry: Entry, actor) -> Response:
    """The card as the JSON answer, this scan counted, the audit event of the masked read queued
    (fastscan.audit_read). The rest of the card is encoded once per entry: only the count is new."""
    if entry.people:
        columns = {"house_id": entry.house_id, "region_code": entry.view.scope_code}
        events = read_events(entry.people, actor, card.why(entry.house_id), **columns)
        shown = card.presented_ids(entry.tenants)
        events += read_events(shown, actor, card.why(entry.house_id), target_type="tenancies", **columns)
        for event in events:
            fastscan.audit_read({**event, "at": utcnow()}, AUDIT_SQL)
    entry.scans[0] += 1
    if entry.body is None:
        details = entry.details
        full = card.assemble(entry.view, details, details["obligations"] or [], 0, entry.tenants, entry.people)
        del full["scans_total"]
        entry.body = current_app.json.dumps(full)[1:]
    return current_app.response_class(f'{{"scans_total": {entry.scans[0]}, {entry.body}', mimetype="application/json")
