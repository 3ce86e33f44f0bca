"""What the doorplate routes take and answer (backend/api/contract.py)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from backend.api.contract import Body, Id, Idempotent, Keys, Reply, Text, fail
from backend.doorplates.models import REVOKE_REASONS, STATES
from backend.fire.models import KINDS as NOTICE_KINDS
from backend.fire.models import STATUSES as NOTICE_STATUSES
from backend.houses.colour import COLOURS
from backend.houses.models import STATUSES as HOUSE_STATUSES

SIZES = (40, 75, 120)
PRINT_MAX_HOUSES = 10_000


class DoorplateRevoke(Idempotent):
    reason: Annotated[Literal[REVOKE_REASONS], Keys("error.doorplate_reason")]
    note: Text(200) | None = None


class DoorplatePrint(Body):
    """exactly one of region or houses"""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["region"], "not": {"required": ["houses"]}},
                {"required": ["houses"], "not": {"required": ["region"]}},
            ]
        }
    )

    region: Annotated[
        Text(15, string_type="error.unknown_region"), Field(description="a region code in your scope")
    ] = None
    houses: Annotated[
        list[Id],
        Field(min_length=1, max_length=PRINT_MAX_HOUSES, description="or: house ids"),
        Keys("error.doorplate_print_houses"),
    ] = None
    size: Annotated[Literal[SIZES], Keys("error.doorplate_size"), Field(description="mm, default 75")] = 75

    @model_validator(mode="after")
    def _one_target(self):
        if (self.region is None) == (self.houses is None):
            fail("error.doorplate_print_target", field="region")
        return self


# ---- answers ----------------------------------------------------------------------------------------------------


class DoorplateCardNotice(Reply):
    kind: Literal[NOTICE_KINDS]
    title: str
    deadline: date | None
    days_left: int | None
    status: Literal[NOTICE_STATUSES]


class DoorplateCard(Reply):
    """What anyone may see of the house behind a doorplate: no personal data."""

    address: str
    short_code: str
    doorplate_state: Literal[STATES]
    colour: Literal[COLOURS]
    house_status: Literal[HOUSE_STATUSES]
    registered: bool
    accepts_check_in: bool
    max_occupants: int | None
    notices: list[DoorplateCardNotice]


class DoorplateHouse(Reply):
    id: int
    status: Literal[HOUSE_STATUSES]
    address_code: str
    scope_code: str


class RevokedVersion(Reply):
    version: int
    reason: Literal[REVOKE_REASONS]
    at: datetime


class DoorplateRecord(Reply):
    state: Literal[STATES]
    version: int
    issued_at: datetime
    activated_at: datetime | None
    printed_at: datetime | None
    print_count: int
    scans_today: int
    revocations: list[RevokedVersion]


class DoorplateScan(Reply):
    result: Literal["ok"]
    token: str
    card: DoorplateCard
    house: Annotated[DoorplateHouse, Field(description="staff in scope and the landlord only")] = None
    doorplate: Annotated[DoorplateRecord, Field(description="staff in scope and the landlord only")] = None
