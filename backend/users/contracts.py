"""What the staff administration routes take and answer (backend/api/contract.py)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictStr, StringConstraints, field_validator

from backend.api.contract import Body, Bool, Keys, Reply, Text, fail
from backend.auth.models import STAFF_ROLES, User
from backend.people import validate

# What a username may be: letters, digits and . _ - (stored lower-case), 2 to 64 characters, starting with a letter or
# a digit. A phone number is not refused, but a staff account signs in with its username and password, never by SMS.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$"
USERNAME_MAX = User.username.type.length
NAME_MAX = User.display_name.type.length
PASSWORD_MAX = 200
IMPORT_ROWS_MAX = 1000  # a JSON import (USERS_IMPORT_MAX_ROWS); a larger file goes through `flask users import`

Username = Annotated[
    StrictStr,
    StringConstraints(strip_whitespace=True, max_length=USERNAME_MAX, pattern=USERNAME_PATTERN),
    Keys(string_pattern_mismatch="error.bad_username", string_type="error.not_string"),
    Field(description="letters, digits and . _ - (2–64, stored lower-case)"),
]
Region = Annotated[Text(15), Field(description="a region code inside your scope (digits)")]
StaffRole = Literal[STAFF_ROLES]


def _phone(value: str) -> str:
    try:
        return validate.check_phone(value)
    except validate.PersonDataError as err:
        fail(err.reason)


class StaffCreate(Body):
    username: Username
    display_name: Annotated[Text(NAME_MAX), Field(description="default: the username")] | None = None
    role: Annotated[StaffRole, Field(description="a supervisor may create grid_worker, fire_officer, police")]
    region: Annotated[Region, Field(description="required except for an admin (none: everywhere)")] | None = None
    phone: Annotated[Text(20), Field(description="a mainland mobile number; kept sealed, shown masked")] | None = None

    @field_validator("phone", mode="after")
    @classmethod
    def _phone(cls, value):
        return _phone(value)


class StaffUpdate(Body):
    """The fields sent are changed; a field left out (or null, or empty) stays as it is."""

    display_name: Text(NAME_MAX) | None = None
    phone: Annotated[Text(20), Field(description="a mainland mobile number")] | None = None
    region: Region | None = None
    active: Annotated[Bool, Field(description="false: the account is deactivated and its sessions end at once")] = None

    @field_validator("phone", mode="after")
    @classmethod
    def _phone(cls, value):
        return _phone(value)


class PasswordChange(Body):
    # Passwords are what was typed, spaces included: never trimmed.
    current: Annotated[StrictStr, StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX)]
    new: Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX),
        Field(description="at least PASSWORD_MIN_LENGTH (10) characters, not the current one"),
    ]


class ImportRow(Body):
    """One account of a bulk import: the columns of the CSV (username,name,role,region_code,phone), as texts."""

    username: Text(200) | None = None
    name: Text(200) | None = None
    role: Text(200) | None = None
    region_code: Text(200) | None = None
    phone: Text(200) | None = None


class StaffImport(Body):
    rows: Annotated[
        list[ImportRow],
        Field(min_length=1, max_length=IMPORT_ROWS_MAX, description="row n is reported as line n (1-based)"),
    ]


class StaffRegion(Reply):
    code: str
    name: str
    level: str


class StaffUser(Reply):
    id: int
    username: str
    display_name: str
    role: Literal[STAFF_ROLES]
    region: Annotated[StaffRegion | None, Field(description="null: an admin for everywhere")]
    phone: Annotated[str | None, Field(description="masked (139****5678); null: none registered")]
    active: bool
    must_change_password: Annotated[bool, Field(description="a one-time password is set and not yet changed")]
    last_login_at: datetime | None
    sessions: Annotated[int, Field(description="live (not revoked, not expired) sessions")]
    created_at: datetime


class StaffList(Reply):
    users: list[StaffUser]
    total: Annotated[int, Field(description="matching accounts, all pages")]


class StaffCreated(Reply):
    user: StaffUser
    password: Annotated[str, Field(description="the one-time password, shown this once; changed at first sign-in")]


class PasswordReset(Reply):
    user: StaffUser
    password: Annotated[str, Field(description="the one-time password, shown this once; changed at first sign-in")]
    revoked: Annotated[int, Field(description="the account's sessions ended")]


class PasswordChanged(Reply):
    revoked: Annotated[int, Field(description="the account's other sessions ended")]


class StaffPhone(Reply):
    phone: Annotated[str | None, Field(description="in clear (the read is audited); null: none registered")]


class ImportedAccount(Reply):
    line: int
    id: int
    username: str
    display_name: str
    role: Literal[STAFF_ROLES]
    region_code: str | None
    password: Annotated[str, Field(description="the one-time password, shown this once")]


class StaffImported(Reply):
    created: int
    accounts: list[ImportedAccount]
