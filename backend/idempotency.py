"""Idempotent writes: a client-generated id makes a replay return the first result instead of acting twice.

Enforced by a unique constraint on (user, key), not by looking first (KoboToolbox's duplicate-submission race came
from check-then-insert): two identical requests racing both INSERT the key; the database makes the second wait for
the first and then fail, and it answers with the stored result.
"""

import hashlib
import json
import re
import time
from datetime import datetime
from functools import wraps

from flask import jsonify, make_response, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend.errors import Conflict, ValidationError
from backend.extensions import db
from backend.types import UTCDateTime, utcnow

HEADER = "Idempotency-Key"
BODY_FIELD = "client_id"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
WAIT_STEPS, WAIT_SECONDS = 50, 0.1


class IdempotencyKey(db.Model):
    """One client-generated id per user: the request it came with and the response it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def _client_key() -> str | None:
    key = request.headers.get(HEADER)
    body = request.get_json(silent=True)
    if key is None and isinstance(body, dict) and body.get(BODY_FIELD) is not None:
        key = str(body[BODY_FIELD])
    if key is not None and not KEY_PATTERN.match(key):
        raise ValidationError(fields={BODY_FIELD: "error.idempotency_key_format"})
    return key


def _request_hash() -> str:
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != BODY_FIELD}
        payload = json.dumps(body, sort_keys=True, ensure_ascii=False)
    elif request.mimetype == "multipart/form-data":
        payload = _multipart_digest()
    else:
        payload = request.get_data(as_text=False).hex()
    return hashlib.sha256(f"{request.method} {request.path}\n{payload}".encode()).hexdigest()


def _multipart_digest() -> str:
    """A multipart body's digest from its parsed parts: a photo is hashed from its spooled file, never held whole."""
    digest = hashlib.sha256()
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"{name}={value}\n".encode())
    for name, file in sorted(request.files.items(multi=True), key=lambda part: part[0]):
        digest.update(f"{name}:{file.filename}:{file.mimetype}\n".encode())
        for block in iter(lambda stream=file.stream: stream.read(1 << 20), b""):
            digest.update(block)
        file.stream.seek(0)
    return digest.hexdigest()


def _replay(key: str, digest: str):
    query = select(IdempotencyKey).where(IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key)
    for _ in range(WAIT_STEPS):
        row = db.session.scalar(query)
        if row is None:  # the first attempt failed and was rolled back: nothing to replay
            return None
        if row.request_hash != digest:
            raise Conflict("error.idempotency_key_reused", code="idempotency_key_reused")
        if row.status_code is not None:
            break
        # The first attempt has committed its work but not yet its response: give it a moment.
        db.session.rollback()
        time.sleep(WAIT_SECONDS)
    else:
        raise Conflict("error.idempotency_in_progress", code="idempotency_in_progress")
    response = jsonify(row.response)
    response.status_code = row.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    """Wrap a write view: with a client id, run it at most once per user and key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _client_key()
        if key is None:
            return view(*args, **kwargs)
        digest = _request_hash()
        row = IdempotencyKey(user_id=current_user.id, key=key, endpoint=request.endpoint or "", request_hash=digest)
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            replayed = _replay(key, digest)
            if replayed is not None:
                return replayed
            db.session.add(
                row := IdempotencyKey(user_id=current_user.id, key=key, endpoint=row.endpoint, request_hash=digest)
            )
            db.session.flush()
        response = make_response(view(*args, **kwargs))
        row.status_code, row.response = response.status_code, response.get_json(silent=True)
        db.session.commit()
        return response

    return wrapper
