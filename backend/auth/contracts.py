"""What the sign-in and session routes take and answer (backend/api/contract.py)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictStr, StringConstraints

from backend.api.contract import Body, Reply, Text
from backend.auth.models import ROLES
from backend.auth.models import User as Account
from backend.regions.contracts import RegionRef

PASSWORD_MAX = 200


class Login(Body):
    # A login attempt is a row (throttle.py): the username must fit its column.
    username: Text(Account.username.type.length, min_length=1)
    # A password is what was typed, spaces included: never trimmed.
    password: Annotated[StrictStr, StringConstraints(strip_whitespace=False, min_length=1, max_length=PASSWORD_MAX)]


class User(Reply):
    id: int
    username: str
    display_name: str
    role: Literal[ROLES]
    region: Annotated[RegionRef | None, Field(description="the scope of staff; null: everywhere (an admin) or none")]


class Me(Reply):
    user: User
    csrf_token: Annotated[str, Field(description="send it as X-CSRF-Token with every write")]
    must_change_password: Annotated[
        bool, Field(description="signed in with a one-time password: POST /api/v1/me/password before anything else")
    ]


class Session(Reply):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: Annotated[bool, Field(description="the session of this request")]


class SessionList(Reply):
    sessions: list[Session]


class Revoked(Reply):
    revoked: Annotated[int, Field(description="sessions ended")]


class Unlocked(Reply):
    cleared: Annotated[int, Field(description="failed logins no longer counted")]
