"""What the phone sign-in routes take and answer (backend/api/contract.py); the signed-in answer is the password
login's `Me`."""

from typing import Annotated

from pydantic import Field, StrictStr, StringConstraints, field_validator

from backend.api.contract import Body, Keys, Reply, Text, fail
from backend.people import validate

Phone = Annotated[Text(20), Field(description="a mainland mobile number; +86, spaces and dashes allowed")]
Code = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=True, max_length=6, pattern=r"^[0-9]{6}$"),
    Keys(string_pattern_mismatch="error.sms_code_format", string_too_long="error.sms_code_format"),
    Field(description="the 6 digits of the SMS"),
]


def _phone(value: str) -> str:
    try:
        return validate.check_phone(value)
    except validate.PersonDataError as err:
        fail(err.reason)


class SmsCodeRequest(Body):
    phone: Phone

    @field_validator("phone", mode="after")
    @classmethod
    def _mobile(cls, value):
        return _phone(value)


class SmsCodeSent(Reply):
    """The same answer for every phone, known or not."""

    expires_in: Annotated[int, Field(description="seconds the code is valid")]
    resend_in: Annotated[int, Field(description="seconds before another code may be asked for this phone")]


class SmsLogin(Body):
    phone: Phone
    code: Code

    @field_validator("phone", mode="after")
    @classmethod
    def _mobile(cls, value):
        return _phone(value)


class SecondFactor(Body):
    code: Code
