"""What the verification routes take and answer (backend/api/contract.py)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from backend.api.contract import Body, Idempotent, Ids, Keys, Number, Reply, Text, Texts, fail
from backend.errors import ValidationError
from backend.geo.shapes import ShapeError, check_point
from backend.houses.checklists import check_answers
from backend.verification.models import OUTCOMES, REVIEW_DECISIONS, WORKER_OUTCOMES

MAX_ACCURACY_M = 5000  # a phone that claims ±5 km proves nothing (operations.py VERIFY_ACCURACY_CREDIT_M caps it)

Checklist = Annotated[
    dict[str, Any],
    Keys("error.checklist_shape"),
    Field(
        json_schema_extra={"additionalProperties": {"type": "boolean"}},
        description="checklist item id -> true/false (see checklists.json)",
    ),
]


class Verify(Idempotent):
    """The visit: a GPS fix (lat, lon and accuracy together, or none of them), the checklist and the outcome."""

    lat: Number(-90, 90) | None = None
    lon: Annotated[Number(-180, 180) | None, Field(validate_default=True)] = None
    accuracy: Annotated[
        Number(0, MAX_ACCURACY_M) | None, Field(validate_default=True, description="metres, as the phone reports it")
    ] = None
    outcome: Annotated[
        Literal[WORKER_OUTCOMES],
        Field(description="an approval with no fix (lat and lon left out) or from too far goes to review"),
    ]
    checklist: Checklist
    reasons: Annotated[
        Texts(20, 200) | None,
        Keys("error.not_string_list"),
        Field(validate_default=True, description="required to reject or ask for a fix"),
    ] = None
    note: Text(500) | None = None
    photos: Annotated[Ids(20), Field(default_factory=list)]

    @field_validator("lon", mode="after")
    @classmethod
    def _fix(cls, lon, info: ValidationInfo):
        """Both coordinates or neither; a fix inside China (a swapped pair is named)."""
        if "lat" not in info.data:  # lat itself failed
            return lon
        lat = info.data["lat"]
        if lat is None and lon is not None:
            fail("error.required", field="lat")
        if lon is None and lat is not None:
            fail("error.required")
        if lon is not None:
            try:
                check_point(lon, lat)
            except ShapeError as err:
                fail(err.key)
        return lon

    @field_validator("accuracy", mode="after")
    @classmethod
    def _accuracy(cls, accuracy, info: ValidationInfo):
        """Required with a fix, ignored without one."""
        given = [info.data.get(name) is not None or name not in info.data for name in ("lat", "lon")]
        if not any(given):
            return None
        if accuracy is None:
            fail("error.required")
        return accuracy

    @field_validator("checklist", mode="after")
    @classmethod
    def _checklist(cls, value):
        try:
            return check_answers("verification", value, "checklist")
        except ValidationError as err:
            fail(err.fields.get("checklist", err.message_key))

    @field_validator("reasons", mode="after")
    @classmethod
    def _reasons(cls, value, info: ValidationInfo):
        if value is None and info.data.get("outcome") in ("rejected", "needs_fix"):
            fail("error.required")
        return value or []


class Review(Body):
    decision: Literal[REVIEW_DECISIONS]
    reason: Annotated[Text(500) | None, Field(validate_default=True, description="required to send back")] = None

    @field_validator("reason", mode="after")
    @classmethod
    def _reason(cls, value, info: ValidationInfo):
        if value is None and info.data.get("decision") == "sent_back":
            fail("error.required")
        return value


Flag = Literal["no_fix", "far", "imprecise"]


class Verification(Reply):
    id: int
    house_id: int
    outcome: Literal[OUTCOMES]
    distance_m: Annotated[float | None, Field(description="null: no GPS fix")]
    accuracy_m: float | None
    flagged: bool
    flags: list[Flag]


class OpenTask(Reply):
    id: int
    house_id: int
    address: str
    unit_label: str
    declared_at: datetime
    distance_m: Annotated[float | None, Field(description="metres from where I stand; null without a position")]
    max_occupants: int | None
    fire_self_check: Annotated[dict[str, bool] | None, Field(description="the landlord's answers")]
    sent_back: Annotated[str | None, Field(description="the supervisor's reason when a review sent the visit back")]


class TaskList(Reply):
    tasks: list[OpenTask]


class PendingReview(Reply):
    task_id: int
    house_id: int
    address: str
    unit_label: str
    worker: str
    visited_at: datetime
    visit: Verification


class ReviewList(Reply):
    reviews: list[PendingReview]


class ReviewDecision(Reply):
    task_id: int
    decision: Literal[REVIEW_DECISIONS]
    reason: str | None
