"""Delivery channels behind one interface: send(notification) -> None, or raise Retry, Gone or Failed (delivery.py).

prepare(notifications) is called once per claimed batch before the sends (e.g. to load what they need at once).
"""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import select

from backend.extensions import db
from backend.notify import vapid
from backend.notify.delivery import DeliveryError, Failed, Gone, Retry
from backend.notify.models import Notification, PushSubscription
from backend.notify.outbox import encode
from backend.notify.sms import make_gateway

PUSH_HARD_LIMIT = 3993  # bytes of plaintext pywebpush can still encrypt into a valid 4 KB message


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class WebPushChannel:
    """Web Push (RFC 8291 aes128gcm, RFC 8292 VAPID) with pywebpush; one requests session per channel."""

    name = "push"

    def __init__(self, private_key, subject: str, *, timeout: float = 10, ttl: int = 86400, proxy=None, session=None):
        self.vapid = Vapid(private_key)
        self.claims = {"sub": subject}
        self.timeout, self.ttl = timeout, ttl
        if session is None:
            session = requests.Session()
            # Reading the *_PROXY variables on every request costs ~1 ms of CPU a message: take the proxy from config.
            session.trust_env = False
            if proxy:
                session.proxies = {"http": proxy, "https": proxy}
        self.session = session
        self.subscriptions: dict[int, PushSubscription] = {}

    @classmethod
    def from_config(cls, config):
        """The channel with the app's VAPID key, subject, timeout and TTL."""
        private_key, _ = vapid.keys()
        return cls(
            private_key,
            config["VAPID_SUBJECT"],
            timeout=config["PUSH_TIMEOUT_SECONDS"],
            ttl=config["PUSH_TTL_SECONDS"],
            proxy=config.get("PUSH_PROXY"),
        )

    def prepare(self, notifications: list[Notification]) -> None:
        """Load the batch's subscriptions in one query."""
        ids = sorted({n.subscription_id for n in notifications if n.subscription_id})
        # Held here: the session's identity map is weak, and a lookup that misses it autoflushes row by row.
        subs = db.session.scalars(select(PushSubscription).where(PushSubscription.id.in_(ids))) if ids else ()
        self.subscriptions = {sub.id: sub for sub in subs}

    def send(self, notification: Notification) -> None:
        """POST the encrypted payload to the subscription's push service."""
        sub_id = notification.subscription_id
        sub = self.subscriptions.get(sub_id) or (db.session.get(PushSubscription, sub_id) if sub_id else None)
        if sub is None:
            raise Gone("subscription removed")
        data = encode(notification.payload)
        if len(data.encode()) > PUSH_HARD_LIMIT:
            raise Failed(f"payload of {len(data.encode())} bytes is over {PUSH_HARD_LIMIT}")
        info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
        try:
            webpush(
                info,
                data=data,
                vapid_private_key=self.vapid,
                vapid_claims=dict(self.claims),  # pywebpush writes aud and exp into the dict it is given
                timeout=self.timeout,
                ttl=self.ttl,
                requests_session=self.session,
            )
        except WebPushException as exc:
            status = exc.status_code
            if status is None:
                raise Failed(exc.message) from exc
            if status in (404, 410):
                raise Gone(f"HTTP {status}") from exc
            if status == 429 or status >= 500:
                raise Retry(retry_after_seconds(exc.retry_after), f"HTTP {status}") from exc
            text = getattr(exc.response, "text", "") or ""
            raise Failed(f"HTTP {status}: {text[:300]}") from exc
        except requests.RequestException as exc:
            raise Retry(None, f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # keys that do not decode to a P-256 point
            raise Failed(f"bad subscription keys: {exc}") from exc

    def close(self) -> None:
        self.session.close()


class SmsChannel:
    """SMS through the configured gateway; the text was composed when the message was queued."""

    name = "sms"

    def __init__(self, gateway):
        self.gateway = gateway

    @classmethod
    def from_config(cls, config):
        return cls(make_gateway(config))

    def prepare(self, notifications: list[Notification]) -> None:
        pass

    def send(self, notification: Notification) -> None:
        """Hand the text to the gateway; its own Retry/Gone/Failed pass through, anything else is retried."""
        try:
            self.gateway.send(notification.user_id, notification.payload["text"])
        except DeliveryError:
            raise
        except Exception as exc:
            raise Retry(None, f"gateway: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        pass


def build_channels(config) -> dict:
    """channel name -> channel, built from the app's configuration."""
    return {"push": WebPushChannel.from_config(config), "sms": SmsChannel.from_config(config)}
