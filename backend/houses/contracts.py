"""What the house routes take and answer (backend/api/contract.py)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from backend.api.contract import Idempotent, Ids, Int, Keys, Number, Reply, Text, fail
from backend.auth.models import ROLES
from backend.doorplates.models import REVOKE_REASONS, SCAN_RESULTS
from backend.doorplates.models import STATES as PLATE_STATES
from backend.errors import ValidationError
from backend.fire.models import KINDS as NOTICE_KINDS
from backend.fire.models import OUTCOMES as NOTICE_OUTCOMES
from backend.fire.models import STATUSES as NOTICE_STATUSES
from backend.houses.checklists import check_answers
from backend.houses.colour import COLOURS
from backend.houses.models import RENT_TYPES, STATUSES
from backend.obligations.models import KINDS as OBLIGATION_KINDS
from backend.obligations.models import STATES as OBLIGATION_STATES
from backend.obligations.models import VIA
from backend.tenancy.contracts import Presented
from backend.tenancy.models import CONFLICT_STATES, OCCUPYING
from backend.verification.models import OUTCOMES as VISIT_OUTCOMES
from backend.verification.models import REVIEW_DECISIONS

Colour = Literal[COLOURS]
Status = Literal[STATUSES]


def _self_check(value):
    """The fire self-check answered: every required item true or false, no unknown item (checklists.json)."""
    try:
        return check_answers("fire_self_check", value, "fire_self_check")
    except ValidationError as err:
        fail(err.fields["fire_self_check"])


SelfCheck = Annotated[
    dict[str, bool],
    BeforeValidator(_self_check),
    Keys(missing="error.checklist_shape"),
    Field(description="checklist item id -> true/false (see checklists.json)"),
]


class HouseDeclare(Idempotent):
    address_code: Annotated[Text(40), Field(description="a standard address code (from /addresses search)")]
    unit_label: Annotated[Text(40), Field(description="the part let, '' for all of it")] = None
    rooms: Int(1, 200)
    floor_area: Number(1, 100_000)
    max_occupants: Int(1, 500)
    rent_type: Annotated[
        Literal[RENT_TYPES], BeforeValidator(lambda v: v if isinstance(v, str) else fail("error.not_string"))
    ]
    fire_self_check: SelfCheck
    photos: Ids(20) = Field(default_factory=list)


# ---- the house card ---------------------------------------------------------------------------------------------


class HouseCardDoorplate(Reply):
    state: Literal[PLATE_STATES]
    version: int
    short_code: str
    printed_at: datetime | None


class HouseOccupant(Reply):
    """A person living there, masked: staff see the stored person, the landlord what a conflicting check-in typed."""

    tenancy_id: int
    person_id: int
    status: Literal[OCCUPYING]
    room: str | None
    move_in: date
    duplicate_elsewhere: bool
    conflict: Literal[CONFLICT_STATES] | None
    presented: Presented | None
    name: str
    id_number: str
    phone: str


class HouseCardObligation(Reply):
    id: int
    kind: Literal[OBLIGATION_KINDS]
    due_date: date
    state: Literal[OBLIGATION_STATES]


class HouseCardNotice(Reply):
    kind: Literal[NOTICE_KINDS]
    title: str
    deadline: date | None
    status: Literal[NOTICE_STATUSES]


class HouseCard(Reply):
    id: int
    address: str
    address_code: str
    unit_label: str
    scope_code: str
    status: Status
    colour: Colour
    rent_type: Literal[RENT_TYPES]
    rooms: int | None
    floor_area: float | None
    max_occupants: int | None
    occupants_count: int
    fire_self_check: Annotated[dict[str, bool], Field(description="checklist item id -> true/false")]
    doorplate: HouseCardDoorplate
    occupants: Annotated[list[HouseOccupant], Field(description="masked")]
    obligations: Annotated[list[HouseCardObligation], Field(description="open and overdue, soonest due first")]
    notices: Annotated[list[HouseCardNotice], Field(description="open fire notices")]
    scans_total: int


# ---- the list ---------------------------------------------------------------------------------------------------


class HouseListItem(Reply):
    id: int
    address: str
    unit_label: str
    status: Status
    colour: Colour
    max_occupants: int | None
    occupants_count: int
    scope_code: str
    short_code: str | None
    last_visit_at: Annotated[datetime | None, Field(description="the last field visit")]
    distance_m: Annotated[float, Field(description="with ?near: metres from there")] = None


class HouseList(Reply):
    houses: list[HouseListItem]


# ---- the timeline: one event model per kind ----------------------------------------------------------------------

At = Annotated[datetime, Field(description="when it happened")]
By = Annotated[str | None, Field(description="who did it (display name)")]


class TimelineDeclared(Reply):
    at: At
    kind: Literal["declared"]


class TimelineVerified(Reply):
    at: At
    kind: Literal["verified"]
    outcome: Literal[VISIT_OUTCOMES]
    by: str
    distance_m: float | None
    flags: list[str]
    reasons: list[str]


class TimelineReviewed(Reply):
    at: At
    kind: Literal[tuple(f"review_{d}" for d in REVIEW_DECISIONS)]
    by: str
    reason: str | None


class TimelineTenancy(Reply):
    at: At
    kind: Literal["check_in", "confirmed", "refused", "check_out"]
    tenancy_id: int


class TimelineNotice(Reply):
    at: At
    kind: Literal["notice"]
    notice_id: int
    notice_kind: Literal[NOTICE_KINDS]
    title: str
    deadline: date | None
    status: Literal[NOTICE_STATUSES]
    by: By
    parent_id: Annotated[int | None, Field(description="the notice this one follows up")]


class TimelineNoticeStep(Reply):
    at: At
    kind: Literal["notice_read", "notice_overdue", "notice_escalated"]
    notice_id: int
    notice_kind: Literal[NOTICE_KINDS]
    title: str


class TimelineNoticeEvidence(Reply):
    at: At
    kind: Literal["notice_evidence"]
    notice_id: int
    notice_kind: Literal[NOTICE_KINDS]
    title: str
    items: int
    photos: int


class TimelineNoticeClosed(Reply):
    at: At
    kind: Literal["notice_closed"]
    notice_id: int
    notice_kind: Literal[NOTICE_KINDS]
    title: str
    outcome: Literal[NOTICE_OUTCOMES] | None
    by: By


class TimelineObligation(Reply):
    at: At
    kind: Literal[tuple(f"obligation_{s}" for s in OBLIGATION_STATES if s != "open")]
    obligation: Literal[OBLIGATION_KINDS]
    via: Literal[VIA] | None


class TimelineRevoked(Reply):
    at: At
    kind: Literal["doorplate_revoked"]
    version: int
    reason: Literal[REVOKE_REASONS]


class TimelineHouseStatus(Reply):
    at: At
    kind: Literal["house_status"]
    status: Literal["suspended", "closed", "active"]
    before: Status | None
    reason: str | None
    by: By


class TimelineScan(Reply):
    at: At
    kind: Literal["scan"]
    result: Literal[SCAN_RESULTS]
    role: Literal[(*ROLES, "anonymous")]


TimelineEvent = Annotated[
    TimelineDeclared
    | TimelineVerified
    | TimelineReviewed
    | TimelineTenancy
    | TimelineNotice
    | TimelineNoticeStep
    | TimelineNoticeEvidence
    | TimelineNoticeClosed
    | TimelineObligation
    | TimelineRevoked
    | TimelineHouseStatus
    | TimelineScan,
    Field(discriminator="kind"),
]


class HouseTimeline(Reply):
    events: Annotated[list[TimelineEvent], Field(description="newest first")]
    next_before: Annotated[datetime | None, Field(description="before= of the next page; null: the last")]
