"""Web Push subscriptions and the in-app inbox, for any signed-in user."""

from flask import request
from flask_login import current_user
from sqlalchemy import func, select

from backend.api.routing import int_arg, route
from backend.errors import NotFound
from backend.extensions import db
from backend.notify import cli, vapid
from backend.notify import contracts as c
from backend.notify.models import InboxMessage, PushSubscription
from backend.notify.subscriptions import subscribe, unsubscribe
from backend.types import utcnow


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


@route("/push/vapid-public-key", summary="The server's VAPID public key", tag="notify", response=c.VapidKey)
def push_vapid_public_key():
    """The applicationServerKey for pushManager.subscribe(): base64url of the uncompressed P-256 point."""
    return {"public_key": vapid.public_key()}


@route(
    "/push/subscriptions",
    "POST",
    summary="Register this browser's push subscription (PushSubscription.toJSON()) for the signed-in user",
    tag="notify",
    body=c.PushSubscribe,
    response=c.PushSubscription,
    status=201,
    errors=(400,),
)
def push_subscribe(body: c.PushSubscribe):
    agent = (request.user_agent.string or "")[:300] or None
    return subscription_json(subscribe(current_user, body, agent)), 201


@route(
    "/push/subscriptions/delete",
    "POST",
    summary="Forget one of my push subscriptions (after PushSubscription.unsubscribe())",
    tag="notify",
    body=c.PushUnsubscribe,
    response=c.Deleted,
    errors=(400,),
)
def push_unsubscribe(body: c.PushUnsubscribe):
    return {"deleted": unsubscribe(current_user, body.endpoint)}


@route(
    "/inbox",
    summary="My messages, newest first, and how many are unread",
    tag="notify",
    params=(("limit", "integer", False, "1–200, default 50"),),
    response=c.Inbox,
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
    response=c.InboxMessage,
    errors=(404,),
)
def inbox_read(message_id):
    message = db.session.get(InboxMessage, message_id)
    if message is None or message.user_id != current_user.id:
        raise NotFound()
    if message.read_at is None:
        message.read_at = utcnow()
    return message_json(message)


def init_app(app):
    """Notifications: inbox, Web Push, SMS."""
    cli.init_app(app)
