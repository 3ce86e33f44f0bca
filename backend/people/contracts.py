"""What a resident's own-record routes take and answer (backend/api/contract.py)."""

from typing import Annotated

from pydantic import Field, field_validator

from backend.api.contract import Idempotent, Reply, Text
from backend.people import validate
from backend.tenancy.contracts import MaskedPerson, person_field


class PersonCorrection(Idempotent):
    """The holder corrects their name or phone (the ID number is corrected by staff only); the older values are
    kept."""

    name: Annotated[Text(50), Field(description="a Chinese or Latin-script name")] | None = None
    phone: Annotated[Text(20), Field(description="a mainland mobile number")] | None = None
    reason: Annotated[Text(300), Field(description="optional, kept with the revision")] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        return person_field(validate.check_name, value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value):
        return person_field(validate.check_phone, value)


class OwnRecord(Reply):
    """The caller's record on file, masked: a returning resident checks in with it (一次采集)."""

    on_file: bool
    person: MaskedPerson | None
    revisions: Annotated[int, Field(description="how many times it was changed; the older values are kept")]


class OwnRecordClear(Reply):
    """The caller's own record in clear (the read is audited)."""

    name: str
    id_number: str
    phone: str
