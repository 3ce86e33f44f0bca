"""Web Push subscriptions and the in-app inbox, for any signed-in user."""

import binascii
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app, request
from flask_login import current_user
from sqlalchemy import delete, func, select

from backend.api.routing import int_arg, json_body, route
from backend.errors import NotFound, ValidationError
from backend.extensions import db
from backend.notify import cli, vapid
from backend.notify.models import InboxMessage, PushSubscription
from backend.types import utcnow

LOCAL_HOSTS = ("127.0.0.1", "localhost")
ENDPOINT_MAX = 1000  # a push service URL (PushSubscription.endpoint)


def _endpoint(value) -> str:
    """The subscription's push-service URL: https (plain http to this machine only in tests or when allowed)."""
    if not isinstance(value, str) or not value or len(value) > ENDPOINT_MAX:
        raise ValidationError(fields={"endpoint": "error.push_endpoint_invalid"})
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise ValidationError(fields={"endpoint": "error.push_endpoint_invalid"}) from None
    if not host or parts.username or parts.password:
        raise ValidationError(fields={"endpoint": "error.push_endpoint_invalid"})
    insecure_ok = current_app.testing or current_app.config["PUSH_ALLOW_INSECURE_ENDPOINTS"]
    if not (parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS and insecure_ok)):
        raise ValidationError(fields={"endpoint": "error.push_endpoint_insecure"})
    allowed = current_app.config.get("PUSH_ENDPOINT_HOSTS")
    if allowed and parts.scheme == "https" and not any(host == h or host.endswith("." + h) for h in allowed):
        raise ValidationError(fields={"endpoint": "error.push_endpoint_host"})
    return value


def _key(keys: dict, name: str, size: int) -> str:
    """A base64url key of exactly size bytes (p256dh must also be a point on P-256)."""
    value = keys.get(name)
    try:
        raw = vapid.b64url_decode(value) if isinstance(value, str) and len(value) < 200 else b""
        if len(raw) == size and name == "p256dh":
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != size:
        raise ValidationError(fields={f"keys.{name}": "error.push_key_invalid"})
    return value


def subscription_json(sub: PushSubscription) -> dict:
    return {"id": sub.id, "endpoint": sub.endpoint, "created_at": sub.created_at.isoformat()}


def message_json(m: InboxMessage) -> dict:
    return {
        "id": m.id,
        "title": m.title,
        "body": m.body,
        "url": m.url,
        "notice_id": m.notice_id,
        "created_at": m.created_at.isoformat(),
        "read_at": m.read_at.isoformat() if m.read_at else None,
    }


@route("/push/vapid-public-key", summary="The server's VAPID public key", tag="notify", response="VapidKey")
def push_vapid_public_key():
    """The applicationServerKey for pushManager.subscribe(): base64url of the uncompressed P-256 point."""
    return {"public_key": vapid.public_key()}


@route(
    "/push/subscriptions",
    "POST",
    summary="Register this browser's push subscription (PushSubscription.toJSON()) for the signed-in user",
    tag="notify",
    body="PushSubscribe",
    response="PushSubscription",
    status=201,
    errors=(400,),
)
def push_subscribe():
    data = json_body()
    endpoint = _endpoint(data.get("endpoint"))
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = _key(keys, "p256dh", 65), _key(keys, "auth", 16)
    agent = (request.user_agent.string or "")[:300] or None
    sub = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if sub is not None and sub.user_id != current_user.id:
        # The browser now belongs to another account: nothing queued for the previous one may reach it.
        db.session.delete(sub)
        db.session.flush()
        sub = None
    if sub is None:
        sub = PushSubscription(user_id=current_user.id, endpoint=endpoint)
        db.session.add(sub)
    sub.p256dh, sub.auth, sub.user_agent = p256dh, auth, agent
    db.session.commit()
    return subscription_json(sub), 201


@route(
    "/push/subscriptions/delete",
    "POST",
    summary="Forget one of my push subscriptions (after PushSubscription.unsubscribe())",
    tag="notify",
    body="PushUnsubscribe",
    response="Deleted",
    errors=(400,),
)
def push_unsubscribe():
    data = json_body()
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_MAX:
        raise ValidationError(fields={"endpoint": "error.push_endpoint_invalid"})
    deleted = db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == current_user.id
        )
    ).rowcount
    db.session.commit()
    return {"deleted": deleted}


@route(
    "/inbox",
    summary="My messages, newest first, and how many are unread",
    tag="notify",
    params=(("limit", "integer", False, "1–200, default 50"),),
    response="Inbox",
    errors=(400,),
)
def inbox():
    limit = int_arg("limit", 50, 1, 200)
    mine = InboxMessage.user_id == current_user.id
    rows = db.session.scalars(select(InboxMessage).where(mine).order_by(InboxMessage.id.desc()).limit(limit))
    unread = db.session.scalar(select(func.count(InboxMessage.id)).where(mine, InboxMessage.read_at.is_(None)))
    return {"messages": [message_json(m) for m in rows], "unread": unread}


@route(
    "/inbox/<int:message_id>/read",
    "POST",
    summary="Mark one of my messages read",
    tag="notify",
    response="InboxMessage",
    errors=(404,),
)
def inbox_read(message_id):
    message = db.session.get(InboxMessage, message_id)
    if message is None or message.user_id != current_user.id:
        raise NotFound()
    if message.read_at is None:
        message.read_at = utcnow()
        db.session.commit()
    return message_json(message)


def init_app(app):
    """Notifications: inbox, Web Push, SMS."""
    cli.init_app(app)
