"""What the tenancy routes take and answer (backend/api/contract.py)."""

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from backend.api.contract import Idempotent, IsoDate, Reply, Text, fail
from backend.people import validate

MOVE_IN_WINDOW_DAYS = 30


def person_field(check, value):
    """A person's field checked by backend/people/validate, its failure reported with that check's key."""
    try:
        return check(value)
    except validate.PersonDataError as err:
        fail(err.reason)


class CheckIn(Idempotent):
    """Name, ID number and phone are required, unless all three are left out by a resident whose record is on file
    (GET /me/person): then that record is used."""

    name: Annotated[Text(50), Field(description="a Chinese or Latin-script name")] | None = None
    id_number: Annotated[Text(18), Field(description="18 characters; spaces around are trimmed")] | None = None
    phone: Annotated[Text(20), Field(description="a mainland mobile number; +86, spaces and dashes allowed")] | None = (
        None
    )
    room: Text(40) | None = None
    move_in: IsoDate
    expected_move_out: IsoDate | None = None

    @field_validator("name", mode="after")
    @classmethod
    def _name(cls, value):
        return person_field(validate.check_name, value)

    @field_validator("id_number", mode="after")
    @classmethod
    def _id_number(cls, value):
        return person_field(validate.check_id_number, value)

    @field_validator("phone", mode="after")
    @classmethod
    def _phone(cls, value):
        return person_field(validate.check_phone, value)

    @field_validator("move_in")
    @classmethod
    def _window(cls, value: date):
        today = date.today()
        if not today - timedelta(days=365) <= value <= today + timedelta(days=MOVE_IN_WINDOW_DAYS):
            fail("error.move_in_window")
        return value

    @field_validator("expected_move_out")
    @classmethod
    def _after_move_in(cls, value: date | None, info: ValidationInfo):
        move_in = info.data.get("move_in")
        if value and move_in and value <= move_in:
            fail("error.move_out_before_move_in")
        return value


Reason = Annotated[Text(300, min_length=4, string_too_short="error.reason_too_short"), Field(description="audited")]


class Refuse(Idempotent):
    reason: Annotated[Text(300), Field(description="optional, kept in the audit log")] | None = None


class ConflictResolve(Idempotent):
    outcome: Literal["keep", "correct", "refuse"]
    reason: Reason


class Reveal(Idempotent):
    reason: Reason


class MaskedPerson(Reply):
    name: str
    id_number: str
    phone: str


class Presented(Reply):
    """What a conflicting check-in presented, masked."""

    name: str
    phone: str


class Tenancy(Reply):
    id: int
    house_id: int
    address: str | None
    status: Literal["pending", "active", "ended", "refused"]
    room: str | None
    move_in: date
    expected_move_out: date | None
    person: MaskedPerson
    duplicate_elsewhere: Annotated[bool, Field(description="landlord and staff only")] = None
    conflict: Annotated[
        Literal["open", "kept", "corrected", "refused"] | None,
        Field(description="landlord and staff only: the ID number is held by a person with another name or phone"),
    ] = None
    presented: Annotated[
        Presented | None, Field(description="landlord and staff only: what the conflicting check-in presented")
    ] = None


class TenancyList(Reply):
    tenancies: list[Tenancy]


class PresentedClear(Reply):
    tenancy_id: int
    name: str
    phone: str


class Person(Reply):
    """A person in clear: the police reveal (audited)."""

    id: int
    name: str
    id_number: str
    phone: str
    presented: Annotated[
        list[PresentedClear], Field(description="open check-in conflicts on this ID number in scope, as presented")
    ]
