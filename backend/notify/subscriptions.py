"""Push subscriptions: which push services this server sends to, and one browser's subscription per endpoint."""

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select

from backend.errors import ValidationError
from backend.extensions import db
from backend.notify.contracts import PushSubscribe
from backend.notify.models import PushSubscription

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def check_endpoint(endpoint: str) -> None:
    """https (plain http to this machine only in tests or when allowed), on an allowed host when a list is set."""
    parts = urlsplit(endpoint)  # well formed: the contract checked
    host = parts.hostname
    insecure_ok = current_app.testing or current_app.config["PUSH_ALLOW_INSECURE_ENDPOINTS"]
    if not (parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS and insecure_ok)):
        raise ValidationError(fields={"endpoint": "error.push_endpoint_insecure"})
    allowed = current_app.config.get("PUSH_ENDPOINT_HOSTS")
    if allowed and parts.scheme == "https" and not any(host == h or host.endswith("." + h) for h in allowed):
        raise ValidationError(fields={"endpoint": "error.push_endpoint_host"})


def subscribe(user, body: PushSubscribe, user_agent: str | None) -> PushSubscription:
    """This browser's subscription, now the user's: created, or its keys renewed."""
    check_endpoint(body.endpoint)
    sub = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == body.endpoint))
    if sub is not None and sub.user_id != user.id:
        # The browser now belongs to another account: nothing queued for the previous one may reach it.
        db.session.delete(sub)
        db.session.flush()
        sub = None
    if sub is None:
        sub = PushSubscription(user_id=user.id, endpoint=body.endpoint)
        db.session.add(sub)
    sub.p256dh, sub.auth, sub.user_agent = body.keys.p256dh, body.keys.auth, user_agent
    db.session.flush()
    return sub


def unsubscribe(user, endpoint: str) -> int:
    """Forget the user's subscription at endpoint; how many were (0 or 1)."""
    return db.session.execute(
        delete(PushSubscription).where(PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id)
    ).rowcount
