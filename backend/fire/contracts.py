"""What the fire routes take and answer (backend/api/contract.py)."""

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError

from backend.api.contract import (
    Body,
    Id,
    Idempotent,
    Ids,
    IsoDate,
    Keys,
    Number,
    Reply,
    Text,
    errors_of,
    fail,
)
from backend.errors import ValidationError
from backend.fire.models import ITEM_STATES, KINDS, OUTCOMES, STATUSES
from backend.houses.models import STATUSES as HOUSE_STATUSES

MAX_DEADLINE_DAYS = 365
MAX_ITEMS = 30  # a notice's items; a follow-up order carries some of them
TITLE_MAX = 200  # fire_notices.title, campaigns.title
BODY_MAX = 5000
# Which kinds need a field: the rest may leave it out.
NEEDED_BY = {
    "legal_basis": ("rectification", "penalty"),
    "deadline": ("rectification",),
    "items": ("rectification",),
    "amount": ("penalty",),
    "decision_number": ("penalty",),
}


def _deadline_window(value: date | None) -> date | None:
    today = date.today()
    if value is not None and not today < value <= today + timedelta(days=MAX_DEADLINE_DAYS):
        fail("error.deadline_window")
    return value


class NewNoticeItem(Body):
    description: Text(500, min_length=2)
    standard: Text(500) | None = None


def _needed(value, info: ValidationInfo):
    """A field the notice's kind needs (NEEDED_BY) is required; an empty list of items is none."""
    if (value is None or value == []) and info.data.get("kind") in NEEDED_BY[info.field_name]:
        fail("error.required")
    return value


Deadline = Annotated[
    IsoDate | None,
    Field(validate_default=True, description="rectification: tomorrow to a year from today"),
]


class _Order(Body):
    """What every notice and campaign carries; `kind` (first, the later fields' rules read it) says what else."""

    kind: Literal[KINDS]
    title: Text(TITLE_MAX)
    body: Text(BODY_MAX) | None = None
    legal_basis: Annotated[Text(500) | None, Field(validate_default=True, description="rectification and penalty")] = (
        None
    )
    deadline: Deadline = None
    items: Annotated[
        list[NewNoticeItem] | None,
        Field(validate_default=True, max_length=MAX_ITEMS, description="rectification"),
        Keys("error.notice_items"),
    ] = None

    @field_validator("deadline", mode="after")
    @classmethod
    def _deadline(cls, value, info: ValidationInfo):
        return _needed(_deadline_window(value), info)

    @field_validator("legal_basis", "items", mode="after")
    @classmethod
    def _by_kind(cls, value, info: ValidationInfo):
        return _needed(value, info)


class _Notice(_Order):
    amount: Annotated[Number(0.01, 10_000_000) | None, Field(validate_default=True, description="penalty, yuan")] = None
    decision_number: Annotated[Text(64) | None, Field(validate_default=True, description="penalty")] = None

    @field_validator("amount", "decision_number", mode="after")
    @classmethod
    def _needed_by_a_penalty(cls, value, info: ValidationInfo):
        return _needed(value, info)


class NoticeIssue(_Notice, Idempotent):
    """A reminder, a rectification order (legal basis, deadline, items) or a penalty (legal basis, amount, number)."""


class Penalty(_Notice):
    """A penalty decision: legal basis, amount and decision number are required (as NoticeIssue of a penalty)."""

    kind: Annotated[Literal["penalty"], Field(description="may be left out")] = "penalty"

    @field_validator("kind", mode="before")
    @classmethod
    def _a_penalty(cls, value):
        return "penalty"  # whatever was sent: this is the penalty of an escalation


class CampaignRun(_Order):
    """One notice to every rental of a region in scope."""

    kind: Literal["reminder", "rectification"]
    region: Annotated[Text(15, string_type="error.required"), Field(description="a region code in your scope")]


class EvidenceItem(Body):
    item_id: Id
    note: Text(1000, min_length=1)
    photos: Annotated[Ids(20), Field(min_length=1)]


EVIDENCE_KEYS = {"note": "error.evidence_note", "photos": "error.evidence_photos"}


class Evidence(Idempotent):
    items: Annotated[
        list[EvidenceItem],
        Keys(missing="error.evidence_for_every_item"),
        Field(max_length=MAX_ITEMS, description="one answer for every open item: a note and at least one photo"),
    ]

    @field_validator("items", mode="wrap")
    @classmethod
    def _items(cls, value, handler):
        """Each answer's note and photos are named as before (error.evidence_note / _photos), the rest of its shape
        as "evidence for every item"."""
        try:
            return handler(value)
        except PydanticValidationError as err:
            loc = err.errors(include_url=False)[0]["loc"]
            fail(next((EVIDENCE_KEYS[p] for p in loc if p in EVIDENCE_KEYS), "error.evidence_for_every_item"))


Verdict = Literal["passed", "failed"]
ItemKey = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")]


class Reinspect(Idempotent):
    results: Annotated[
        dict[ItemKey, Verdict],
        Field(
            max_length=MAX_ITEMS,
            description="item id -> passed | failed",
            json_schema_extra={"additionalProperties": False},
        ),
        Keys("error.result_for_every_item"),
    ]
    deadline: Annotated[Deadline, Field(description="required when an item failed: the new order's deadline")] = None

    @field_validator("deadline", mode="after")
    @classmethod
    def _deadline(cls, value, info: ValidationInfo):
        _deadline_window(value)
        if value is None and "failed" in info.data.get("results", {}).values():
            fail("error.required")
        return value


class Escalate(Idempotent):
    """Every field may be left out, but not both house_action and penalty."""

    house_action: Literal["suspend", "close"] | None = None
    penalty: Annotated[Penalty | None, Field(description="a NoticeIssue of a penalty (kind may be left out)")] = None

    @field_validator("penalty", mode="wrap")
    @classmethod
    def _penalty(cls, value, handler):
        """The penalty's fields are named as on the notice form (amount, decision_number, …), not penalty.amount."""
        if value is not None and not isinstance(value, dict):
            fail("error.penalty_shape")
        try:
            return handler(value)
        except PydanticValidationError as err:
            raise ValidationError(fields=errors_of(Penalty, err)) from None


class NoticeClose(Body):
    outcome: Annotated[Literal["resolved", "cancelled"], Keys(missing="error.not_a_choice")]


class HouseStatus(Body):
    status: Annotated[Literal["suspended", "closed", "active"], Keys(missing="error.not_a_choice")]
    reason: Annotated[
        Text(
            300,
            min_length=4,
            missing="error.status_reason_too_short",
            string_type="error.status_reason_too_short",
            string_too_short="error.status_reason_too_short",
        ),
        Field(description="kept in the audit log"),
    ]


class NoticesDelivered(Body):
    ids: Annotated[list[Id], Field(max_length=500), Keys("error.notice_ids")]


# ---- answers -------------------------------------------------------------------------------------------------


class NoticeItem(Reply):
    id: int
    description: str
    standard: str | None
    status: Literal[ITEM_STATES]
    note: Annotated[str | None, Field(description="the landlord's evidence")]
    photos: Annotated[list[int], Field(description="the evidence's photo ids")]


class _NoticeHead(Reply):
    id: int
    house_id: int
    kind: Literal[KINDS]
    status: Annotated[Literal[STATUSES], Field(description="overdue from the day after the deadline")]
    title: str
    deadline: date | None
    days_left: int | None
    issued_at: datetime
    read_at: datetime | None
    outcome: Literal[OUTCOMES] | None
    parent_id: Annotated[int | None, Field(description="the order whose failed items this one carries")]


class Notice(_NoticeHead):
    """One notice with its items and evidence."""

    body: str | None
    legal_basis: str | None
    amount: Annotated[float | None, Field(description="penalty, yuan")]
    decision_number: str | None
    items: list[NoticeItem]


class NoticeRow(_NoticeHead):
    """A notice in a list, with its house's address."""

    address: str
    unit_label: str


class NoticeList(Reply):
    notices: list[NoticeRow]


class Reinspection(Reply):
    notice: Notice
    follow_up: Annotated[Notice | None, Field(description="a new order with the failed items")]


class NoticesDeliveredResult(Reply):
    delivered: int


class HouseStatusResult(Reply):
    id: int
    status: Literal[HOUSE_STATUSES]
    occupants_count: int


class CampaignHouse(Reply):
    house_id: int
    notice_id: int | None
    outcome: Literal["issued", "no_landlord"]


class CampaignResult(Reply):
    campaign_id: int
    houses: int
    issued_now: int
    already_reached: int
    results: list[CampaignHouse]
