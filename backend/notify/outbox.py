"""notify(): write the inbox message and queue push/SMS in the caller's transaction (a transactional outbox)."""

import json

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from backend.extensions import db
from backend.notify.models import InboxMessage, Notification, PushSubscription

# Push services refuse bodies over 4 KB; pywebpush payloads over 3,993 bytes silently break. Stay well under.
PUSH_MAX_BYTES = 3000
PUSH_TITLE_CHARS, PUSH_BODY_CHARS = 100, 400
# A concatenated SMS carries 67 UCS-2 characters a part (70 when it fits in one); at most three parts.
SMS_SEGMENT_CHARS, SMS_MAX_SEGMENTS = 67, 3
SMS_MAX_CHARS = SMS_SEGMENT_CHARS * SMS_MAX_SEGMENTS
DEDUP_KEY_CHARS = 100  # the outbox qualifies push keys with ":<subscription id>" within its 120


def _insert(model):
    """INSERT that can skip rows a unique constraint already has (ON CONFLICT DO NOTHING) on either backend."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def cut(text: str, limit: int) -> str:
    """text shortened to at most limit characters, with an ellipsis when shortened."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def encode(payload: dict) -> str:
    """The JSON text sent as the push message body."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def push_payload(title: str, body: str, url: str, notice_id: int | None = None) -> dict:
    """{"title", "body", "url", "notice_id"} within PUSH_MAX_BYTES: the body is shortened first (the inbox keeps it)."""
    title, body = cut(title, PUSH_TITLE_CHARS), cut(body, PUSH_BODY_CHARS)
    while True:
        payload = {"title": title, "body": body, "url": url, "notice_id": notice_id}
        if len(encode(payload).encode()) <= PUSH_MAX_BYTES:
            return payload
        if not body:
            raise ValueError(f"push payload over {PUSH_MAX_BYTES} bytes even without a body")
        body = cut(body, len(body) // 2) if len(body) > 2 else ""


def absolute_url(url: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url if url.startswith("/") else url


def sms_text(title: str, body: str, url: str) -> str:
    """Title, as much of the body as fits and the link, in at most SMS_MAX_SEGMENTS parts."""
    url = absolute_url(url)
    title = cut(title, SMS_MAX_CHARS - len(url) - 2)
    room = SMS_MAX_CHARS - len(title) - len(url) - 2
    return "\n".join(part for part in (title, cut(body, room) if room > 1 else "", url) if part)


def notify(
    user_id: int,
    title: str,
    body: str,
    url: str,
    *,
    notice_id: int | None = None,
    sms: bool = False,
    dedup_key: str | None = None,
) -> InboxMessage | None:
    """Inbox message + one push per subscription (+ one SMS); a dedup_key already used for the user does nothing."""
    if dedup_key is not None and not 0 < len(dedup_key) <= DEDUP_KEY_CHARS:
        raise ValueError(f"dedup_key must be 1-{DEDUP_KEY_CHARS} characters")
    if len(url) > 1000:
        raise ValueError("url longer than 1000 characters")
    title = cut(title, 200)
    message = db.session.scalars(
        _insert(InboxMessage)
        .values(user_id=user_id, notice_id=notice_id, title=title, body=body, url=url, dedup_key=dedup_key)
        .on_conflict_do_nothing()
        .returning(InboxMessage)
    ).first()
    if message is None:  # this user already has this dedup_key: queued before (or by a racing transaction)
        return None
    rows = []
    payload = push_payload(title, body, url, notice_id)
    for sub_id in db.session.scalars(select(PushSubscription.id).where(PushSubscription.user_id == user_id)):
        key = None if dedup_key is None else f"{dedup_key}:{sub_id}"
        rows.append({"channel": "push", "subscription_id": sub_id, "dedup_key": key, "payload": payload})
    if sms:
        text = sms_text(title, body, url)
        rows.append({"channel": "sms", "subscription_id": None, "dedup_key": dedup_key, "payload": {"text": text}})
    if rows:
        table = Notification.__table__
        db.session.execute(_insert(table).on_conflict_do_nothing(), [{"user_id": user_id, **r} for r in rows])
    return message
