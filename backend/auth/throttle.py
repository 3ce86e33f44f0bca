"""Login throttling that slows a guesser without locking out the people the guesser targets.

Three counters over login_attempts (failures in LOGIN_WINDOW_MINUTES, not cleared by an admin's unlock):
- per (account, IP), since that pair's last success: LOGIN_FREE_FAILURES free tries, then exponential backoff
  (LOGIN_BACKOFF_SECONDS doubling per failure, at most LOGIN_BACKOFF_MAX_SECONDS after the last failure);
- per account, across IPs (a success does not reset it: the owner logging in says nothing about the guesser):
  at LOGIN_MAX_FAILURES_PER_ACCOUNT only a known device
  (devices.py: a signed cookie set by an earlier successful login to that account) may still try — an attacker's
  failures from elsewhere cannot keep the owner out of their own phone;
- per IP, across accounts: at LOGIN_MAX_FAILURES_PER_IP (high: an office behind one NAT) the IP is slowed, not
  locked: accounts that failed from there wait for the window, every other account gets one try per
  LOGIN_IP_SLOW_SECONDS from that IP.
A known device skips the account and IP limits, never its own pair's backoff. Crossing a limit writes an
`auth.lockout` audit event and a log line (user id and IP, never the name typed: it may be a phone number).
Guarded by tests/test_login_throttle.py.
"""

import logging
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select, update

from backend import audit
from backend.auth.models import LoginAttempt
from backend.errors import TooManyAttempts
from backend.extensions import db
from backend.types import utcnow

log = logging.getLogger(__name__)


def _cfg(name):
    return current_app.config[name]


def _window_start(now: datetime) -> datetime:
    return now - timedelta(minutes=_cfg("LOGIN_WINDOW_MINUTES"))


def _last_success(*conds):
    return db.session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.success.is_(True), *conds))


def _failures(since: datetime, *conds, limit=None) -> list[datetime]:
    """Times of the live (not unlocked) failures since `since`, newest first (the first `limit`)."""
    rows = db.session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.success.is_(False), LoginAttempt.cleared_at.is_(None), LoginAttempt.at >= since, *conds)
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    )
    return list(rows)


def _count(since: datetime, *conds) -> int:
    return db.session.scalar(
        select(func.count()).where(
            LoginAttempt.success.is_(False), LoginAttempt.cleared_at.is_(None), LoginAttempt.at >= since, *conds
        )
    )


def _since(now, *conds):
    last_ok = _last_success(*conds)
    start = _window_start(now)
    return max(start, last_ok) if last_ok else start


def backoff_seconds(failures: int) -> float:
    """How long after the last failure of a pair the next try is allowed."""
    extra = failures - _cfg("LOGIN_FREE_FAILURES")
    if extra < 0:
        return 0.0
    return min(_cfg("LOGIN_BACKOFF_SECONDS") * 2 ** min(extra, 30), _cfg("LOGIN_BACKOFF_MAX_SECONDS"))


def _refuse(now, until, message_key, code="too_many_attempts"):
    seconds = max(1, math.ceil((until - now).total_seconds()))
    raise TooManyAttempts(
        message_key,
        code=code,
        seconds=seconds,
        minutes=math.ceil(seconds / 60),
        headers={"Retry-After": str(seconds)},
    )


def check(username: str, ip: str, known_device: bool) -> None:
    """429 (Retry-After) when this try must wait; see the module docstring for the three counters."""
    now = utcnow()
    pair = (LoginAttempt.username == username, LoginAttempt.ip == ip)
    fails = _failures(_since(now, *pair), *pair)
    wait = backoff_seconds(len(fails))
    if wait and fails[0] + timedelta(seconds=wait) > now:
        _refuse(now, fails[0] + timedelta(seconds=wait), "error.login_backoff")
    if known_device:
        return
    window = timedelta(minutes=_cfg("LOGIN_WINDOW_MINUTES"))
    limit = _cfg("LOGIN_MAX_FAILURES_PER_ACCOUNT")
    account = _failures(_window_start(now), LoginAttempt.username == username, limit=limit)
    if len(account) >= limit:
        # Free again when enough of them have left the window.
        _refuse(now, account[limit - 1] + window, "error.account_locked", code="account_locked")
    _check_ip(now, ip, fails)


def _check_ip(now, ip, pair_fails) -> None:
    since = _window_start(now)
    if _count(since, LoginAttempt.ip == ip) < _cfg("LOGIN_MAX_FAILURES_PER_IP"):
        return
    if pair_fails:  # this account is among those guessed from here
        _refuse(now, pair_fails[0] + timedelta(minutes=_cfg("LOGIN_WINDOW_MINUTES")), "error.login_ip_slowed")
    last = db.session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.ip == ip, LoginAttempt.at >= since))
    slow = timedelta(seconds=_cfg("LOGIN_IP_SLOW_SECONDS"))
    if last is not None and last + slow > now:
        _refuse(now, last + slow, "error.login_ip_slowed")


def record_failure(username: str, ip: str, user) -> None:
    """Count the failure; when it makes a counter reach its limit, say so in the audit log and the server log."""
    db.session.add(LoginAttempt(username=username, ip=ip, success=False))
    db.session.flush()
    now = utcnow()
    pair = (LoginAttempt.username == username, LoginAttempt.ip == ip)
    start = _window_start(now)
    reached = [
        ("account_ip", _count(_since(now, *pair), *pair), _cfg("LOGIN_FREE_FAILURES")),
        ("account", _count(start, LoginAttempt.username == username), _cfg("LOGIN_MAX_FAILURES_PER_ACCOUNT")),
        ("ip", _count(start, LoginAttempt.ip == ip), _cfg("LOGIN_MAX_FAILURES_PER_IP")),
    ]
    for scope, count, limit in reached:
        if count == limit:
            user_id = getattr(user, "id", None)
            log.warning("login lockout: scope=%s user_id=%s ip=%s failures=%d", scope, user_id or "-", ip, count)
            audit.record(
                "auth.lockout",
                target=user,
                target_type=None if user else "login",
                scope=scope,
                failures=count,
                login_ip=ip,
            )


def record_success(username: str, ip: str) -> None:
    db.session.add(LoginAttempt(username=username, ip=ip, success=True))


def unlock(user, actor=None) -> int:
    """Clear the account's live failures (every IP); audited. Returns how many were cleared."""
    cleared = db.session.execute(
        update(LoginAttempt)
        .where(
            and_(
                LoginAttempt.username == user.username,
                LoginAttempt.success.is_(False),
                LoginAttempt.cleared_at.is_(None),
            )
        )
        .values(cleared_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    log.warning("login unlock: user_id=%s by=%s cleared=%d", user.id, getattr(actor, "id", None) or "cli", cleared)
    audit.record("user.unlock", actor=actor, target=user, target_id=user.id, cleared=cleared)
    return cleared
