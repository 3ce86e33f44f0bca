"""Idempotent writes: a client-generated id makes a replay return the first result instead of acting twice.

Enforced by a unique constraint on (user, key), not by looking first (KoboToolbox's duplicate-submission race came
from check-then-insert): two identical requests racing both INSERT the key; the database makes the second wait for
the first and then fail, and it answers with the stored result.

No personal data in clear is ever stored here. A route whose answer holds it (the police reveal) declares
`personal=True` on `route(...)`: its key keeps the request's hash and status but never the answer, and a replay
re-runs the view — an audited read, so every replay leaves its own audit event. Refusing keys on such routes
instead would break the PWA's outbox, which sends a key with every POST. Masked people (a tenancy's answer) may be
stored: masked is what any screen shows; a replay of a stored answer writes a `request.replay` audit event.

A key is held under a lease (IDEMPOTENCY_LEASE_SECONDS). It is visible to others only once its request's view has
committed, so a key still "in progress" after its lease belongs to a request whose worker died (kill -9) between
that commit and storing the answer: a retry then takes it over with a compare-and-set on the lease and runs the
view again, which meets the state the first run left (operations are compare-and-set) and answers for it. A key
inside its lease still answers 409 "in progress" after a short wait.
"""

import hashlib
import json
import re
import time
from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, jsonify, make_response, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend import audit
from backend.errors import Conflict, ValidationError
from backend.extensions import db
from backend.types import UTCDateTime, utcnow

HEADER = "Idempotency-Key"
BODY_FIELD = "client_id"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
WAIT_STEPS, WAIT_SECONDS = 50, 0.1
RERUN = object()  # a personal route's finished key: run the view again


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
    response: Mapped[dict | None] = mapped_column(JSON)  # never for a personal route
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


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


def _lease() -> datetime:
    return utcnow() + timedelta(seconds=current_app.config["IDEMPOTENCY_LEASE_SECONDS"])


def _take_over(row: IdempotencyKey) -> bool:
    """Compare-and-set: the key is ours if its lease is still past when the database looks."""
    now = utcnow()
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == row.id, IdempotencyKey.status_code.is_(None), IdempotencyKey.lease_until < now)
        .values(lease_until=_lease())
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _settle(key: str, digest: str, personal: bool):
    """For a key already stored: its replay (a response), RERUN, the row taken over, or None (it is gone)."""
    query = select(IdempotencyKey).where(IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key)
    for _ in range(WAIT_STEPS):
        row = db.session.scalar(query)
        if row is None:  # the first attempt failed and was rolled back: nothing to replay
            return None
        if row.request_hash != digest:
            raise Conflict("error.idempotency_key_reused", code="idempotency_key_reused")
        if row.status_code is not None:
            return RERUN if personal else _replayed(row)
        if row.lease_until is not None and row.lease_until < utcnow() and _take_over(row):
            db.session.refresh(row)
            return row
        # The first attempt has committed its work but not yet its response: give it a moment.
        db.session.rollback()
        time.sleep(WAIT_SECONDS)
    raise Conflict("error.idempotency_in_progress", code="idempotency_in_progress")


def _replayed(row: IdempotencyKey):
    """The stored answer again, and an audit event that it was given (it may show people, masked)."""
    audit.record(
        "request.replay",
        actor=current_user,
        target_type="idempotency_keys",
        target_id=row.id,
        endpoint=row.endpoint,
        status=row.status_code,
    )
    db.session.commit()
    response = jsonify(row.response)
    response.status_code = row.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _claim(key: str, digest: str, personal: bool):
    """The key's row, newly ours; or what _settle answers for a key already there."""
    endpoint = request.endpoint or ""
    for _ in range(2):
        row = IdempotencyKey(
            user_id=current_user.id, key=key, endpoint=endpoint, request_hash=digest, lease_until=_lease()
        )
        db.session.add(row)
        try:
            db.session.flush()
            return row
        except IntegrityError:
            db.session.rollback()
        settled = _settle(key, digest, personal)
        if settled is not None:
            return settled
    raise Conflict("error.idempotency_in_progress", code="idempotency_in_progress")


def idempotent(view, personal: bool = False):
    """Wrap a write view: with a client id, run it at most once per user and key (a personal read: every time,
    its answer never stored)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _client_key()
        if key is None:
            return view(*args, **kwargs)
        claimed = _claim(key, _request_hash(), personal)
        if claimed is RERUN:
            response = make_response(view(*args, **kwargs))
            response.headers["Idempotent-Replayed"] = "true"
            return response
        if not isinstance(claimed, IdempotencyKey):
            return claimed
        response = make_response(view(*args, **kwargs))
        claimed.status_code = response.status_code
        claimed.response = None if personal else response.get_json(silent=True)
        db.session.commit()
        return response

    return wrapper
