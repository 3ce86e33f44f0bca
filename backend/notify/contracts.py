"""What the push and inbox routes take and answer (backend/api/contract.py)."""

import binascii
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import AfterValidator, Field

from backend.api.contract import Body, Keys, Reply, Text, fail
from backend.notify import vapid

ENDPOINT_MAX = 1000  # a push service URL (PushSubscription.endpoint)
BAD_KEY = "error.push_key_invalid"


def _url(value: str) -> str:
    """A URL with a host and no user or password in it (whether this server may push to it: subscriptions.py)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        fail("error.push_endpoint_invalid")
    if not parts.hostname or parts.username or parts.password:
        fail("error.push_endpoint_invalid")
    return value


def _key(size: int, on_curve=False):
    """A base64url key of exactly size bytes (p256dh must also be a point on P-256)."""

    def check(value: str) -> str:
        try:
            raw = vapid.b64url_decode(value)
            if len(raw) == size and on_curve:
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) != size:
            fail(BAD_KEY)
        return value

    return AfterValidator(check)


Endpoint = Annotated[Text(ENDPOINT_MAX), Keys("error.push_endpoint_invalid")]


class PushKeys(Body):
    p256dh: Annotated[Text(200), _key(65, on_curve=True), Field(description="the browser's P-256 public key")]
    auth: Annotated[Text(200), _key(16), Field(description="the 16-byte auth secret")]


class PushSubscribe(Body):
    """PushSubscription.toJSON()."""

    endpoint: Annotated[Endpoint, AfterValidator(_url), Field(description="https URL of the browser's push service")]
    # Any failure of a key is reported on the key (keys.p256dh, keys.auth) as the one error the app shows.
    keys: Annotated[PushKeys, Keys(**{t: BAD_KEY for t in ("missing", "string_type", "string_too_long", "model_type")})]
    expirationTime: Annotated[float, Field(description="sent by the browser, not used")] | None = None


class PushUnsubscribe(Body):
    endpoint: Endpoint


class VapidKey(Reply):
    public_key: Annotated[str, Field(description="base64url uncompressed P-256 point")]


class PushSubscription(Reply):
    id: int
    endpoint: str
    created_at: datetime


class Deleted(Reply):
    deleted: int


class InboxMessage(Reply):
    id: int
    title: str
    body: str
    url: str
    notice_id: int | None
    created_at: datetime
    read_at: datetime | None


class Inbox(Reply):
    messages: list[InboxMessage]
    unread: int
