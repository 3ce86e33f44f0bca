"""What the obligation routes take and answer (backend/api/contract.py). How each kind may be fulfilled:
backend/obligations/operations.py."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from backend.api.contract import Body, Keys, Reply, Text, fail
from backend.obligations.models import KINDS, STATES, VIA

Via = Literal[VIA]


class Fulfil(Body):
    token: Annotated[
        Text(64) | None,
        Keys(string_type="error.fulfil_needs_scan", string_too_long="error.token_not_this_house"),
        Field(description="the scanned doorplate token of this house (via scan)"),
    ] = None
    via: Annotated[
        Via | None,
        Field(
            description="scan (default when a token is given): done at the door, `token` required; "
            "app (default without a token): allowed for occupant_confirmation only"
        ),
    ] = None

    @field_validator("via", mode="after")
    @classmethod
    def _scan_needs_the_token(cls, value, info: ValidationInfo):
        if value == "scan" and info.data.get("token") is None:  # a token that failed has its own error
            fail("error.fulfil_needs_scan", field="token")
        return value

    @property
    def how(self) -> str:
        """The way asked for, or the default: scan with a token, app without one."""
        return self.via or ("scan" if self.token is not None else "app")


class Obligation(Reply):
    id: int
    house_id: int
    tenancy_id: Annotated[int | None, Field(description="a registration renewal's tenancy")]
    kind: Literal[KINDS]
    due_date: date
    state: Annotated[Literal[STATES], Field(description="overdue from the day after the due date")]


class Fulfilled(Obligation):
    via: Via
    next: Annotated[Obligation, Field(description="the next one of the same kind, created now")]


class ObligationList(Reply):
    obligations: list[Obligation]
