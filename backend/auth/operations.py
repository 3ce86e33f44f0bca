"""Accounts and sessions: create users, log in with throttling, revoke sessions."""

import hashlib
import secrets
import time
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from backend import audit
from backend.auth import throttle
from backend.auth.models import ROLES, STAFF_ROLES, User, UserSession
from backend.errors import Conflict, Unauthorized, ValidationError
from backend.extensions import db
from backend.fastpath import cache as fastcache
from backend.fastpath import pagecache
from backend.people.vault import phone_index, vault
from backend.regions.models import Region
from backend.types import utcnow

# Spent on unknown usernames too, so response time does not reveal which accounts exist.
_DUMMY_HASH = None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password or "") < current_app.config["PASSWORD_MIN_LENGTH"]:
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        raise ValidationError("error.password_too_short", fields={"password": "error.password_short"}, min=minimum)


def hash_password(password: str, one_time: bool = False) -> str:
    """A password's hash. A one-time password (backend/users/operations.py, random, 80 bits) is hashed with
    ONE_TIME_PASSWORD_HASH_METHOD: nothing to slow a guesser down for, and a bulk import hashes hundreds."""
    method = current_app.config["ONE_TIME_PASSWORD_HASH_METHOD" if one_time else "PASSWORD_HASH_METHOD"]
    return generate_password_hash(password, method=method)


def seal_phone(user: User, phone: str | None) -> None:
    """Store the account's mobile number (11 digits, validated) sealed, with its blind index."""
    user.phone_enc = None if phone is None else vault().encrypt(phone, "phone")
    user.phone_index = None if phone is None else phone_index(phone)


def create_user(
    username, password, role, region_code=None, display_name=None, actor=None, one_time=False, phone=None
) -> User:
    """A new account; staff other than admin need a region scope. one_time: password is a one-time password, to be
    changed at the first sign-in. phone: a validated mobile number, stored sealed."""
    fields = {}
    if role not in ROLES:
        fields["role"] = "error.bad_role"
    region = db.session.scalar(select(Region).where(Region.code == region_code)) if region_code else None
    if region_code and region is None:
        fields["region"] = "error.unknown_region"
    if role in STAFF_ROLES and role != "admin" and not region_code:
        fields["region"] = "error.region_required"
    if not username or len(username) > 64:
        fields["username"] = "error.bad_username"
    if fields:
        raise ValidationError(fields=fields)
    _check_password(password)
    username = username.strip().lower()
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("error.username_taken", fields={"username": "error.username_taken"})
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        region=region,
        password_hash=hash_password(password, one_time),
        must_change_password=one_time,
    )
    seal_phone(user, phone)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        actor=actor,
        target=user,
        target_id=user.id,
        region_code=region_code,
        role=role,
        region=region_code,
        **({"one_time_password": True} if one_time else {}),
        **({"phone": True} if phone else {}),
    )
    return user


def authenticate(username: str, password: str, ip: str, device_accounts=()) -> User:
    """The user for these credentials, or Unauthorized; every try is recorded for throttling (throttle.py).
    device_accounts: the account ids this device has logged in to before (devices.py)."""
    global _DUMMY_HASH
    username = (username or "").strip().lower()
    user = db.session.scalar(select(User).where(User.username == username))
    throttle.check(username, ip, known_device=user is not None and user.id in device_accounts)
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or generate_password_hash("x", method=current_app.config["PASSWORD_HASH_METHOD"])
        check_password_hash(_DUMMY_HASH, password or "")
    ok = user is not None and check_password_hash(user.password_hash, password or "") and user.active
    if not ok:
        throttle.record_failure(username, ip, user)
        raise Unauthorized("error.bad_credentials")
    throttle.record_success(username, ip)
    return user


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    """Open a server-side session; returns the key that goes (signed) into the cookie."""
    key = secrets.token_urlsafe(32)
    hours = current_app.config["SESSION_LIFETIME_HOURS"]
    sess = UserSession(
        key_hash=hash_key(key),
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + timedelta(hours=hours),
        ip=ip,
        user_agent=(user_agent or "")[:200],
    )
    db.session.add(sess)
    db.session.flush()
    user.session, user.session_key = sess, key
    user.last_login_at = sess.created_at
    audit.record("session.start", actor=user, target=sess, target_id=sess.id)
    return key


def _session_query(key_hash: str):
    # Session, user and scope region in one query (the region's boundary, a township-sized polygon, is not needed
    # to check a scope).
    return (
        select(UserSession)
        .options(joinedload(UserSession.user).joinedload(User.region).defer(Region.boundary))
        .where(UserSession.key_hash == key_hash)
    )


def _cached_session(key_hash: str) -> UserSession | None:
    """PostgreSQL with SESSION_CACHE_ENTRIES: the session from this process's cache (pagecache.py: dropped on
    NOTIFY when the session, its user or a region changes), its user merged into the request's ORM session without
    a query; on a miss, read on its own connection and kept. The session row itself stays detached: requests only
    read it (its id, its CSRF token), and a read request its user too (load_session). None: no such session."""
    cache = fastcache.page_cache()
    if cache is None or not cache.max_sessions:
        return db.session.scalar(_session_query(key_hash))
    signed = cache.session(key_hash)
    if signed is None:
        epoch = cache.session_epoch
        with Session(db.engine) as own:  # closed: the objects come out detached, loaded
            record = own.scalar(_session_query(key_hash))
        if record is None:
            return None
        signed = pagecache.Signed(record.id, record.user_id, time.monotonic(), record)
        cache.keep_session(key_hash, signed, epoch)
    return signed.record


def _forget_sessions(user_id: int) -> None:
    """Drop a user's sessions from this process's cache now; other processes drop them on the notification."""
    cache = fastcache.page_cache()
    if cache is not None:
        cache.invalidate_sessions(f"u{user_id}")


def load_session(key: str) -> User | None:
    """The user of a live (not revoked, not expired) session key, with the session attached."""
    # Every signed-in request starts here.
    sess = _cached_session(hash_key(key))
    now = utcnow()
    if sess is None or sess.revoked_at is not None or sess.expires_at <= now or not sess.user.active:
        return None
    if now - sess.last_seen_at > timedelta(minutes=5):  # a write per request would be wasteful
        # Its own short transaction: the request's transaction belongs to the view.
        with db.engine.begin() as conn:
            conn.execute(update(UserSession).where(UserSession.id == sess.id).values(last_seen_at=now))
    user = sess.user
    if request.method not in ("GET", "HEAD") and sess not in db.session:
        # A cached user is shared by this process's requests and belongs to no ORM session; a write may hang new
        # rows on it, so it gets a copy in the request's session (no query). A read uses it as it is.
        user = db.session.merge(user, load=False)
    user.session, user.session_key = sess, key
    return user


def revoke_sessions(user: User, reason: str, actor=None, only=None, keep=None) -> int:
    """End the user's live sessions (or just one, or all but `keep`); the next request with them is anonymous."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if only is not None:
        stmt = stmt.where(UserSession.id == only.id)
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    count = db.session.execute(stmt.values(revoked_at=utcnow(), revoked_reason=reason)).rowcount
    _forget_sessions(user.id)
    audit.record("session.revoke", actor=actor or user, target=user, target_id=user.id, reason=reason, count=count)
    return count
