"""Sign-in with a phone: one-time codes by SMS, the resident's account made on their first code, and the staff's
second factor.

A code is 6 random digits, valid SMS_CODE_SECONDS, kept only as a keyed hash (the vault's blind-index key, bound to
the phone and the purpose), used once, and dead after SMS_CODE_MAX_TRIES wrong tries: every try first claims one
with a compare-and-set, so parallel guesses cannot get more. Only a phone's newest login code counts.

Asking for a code answers the same, in the same time, whatever the phone: no account is looked up, every valid
number gets a code and an SMS (a staff phone too; the code just signs nobody in). The sms_codes rows are the record
the send limits count: per phone (a minute, an hour, a day), per IP and in all, each a 429 with Retry-After;
concurrent requests for one phone are serialised (PostgreSQL: an advisory lock on its index; SQLite: the write lock).

Every send and every failed try is in the audit log (target "phone", the blind index; the number masked).
Guarded by tests/test_sms_login.py.
"""

import hmac
import logging
import math
import secrets
from datetime import timedelta

from flask import current_app
from flask import session as cookie
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from backend import audit
from backend.auth.models import STAFF_ROLES, SmsCode, User
from backend.errors import Forbidden, MenpaiError, TooManyAttempts, Unauthorized
from backend.extensions import db
from backend.i18n import t
from backend.notify.delivery import Failed, Retry
from backend.notify.sms import app_gateway
from backend.people.validate import mask_phone
from backend.people.vault import phone_index, vault
from backend.types import utcnow

log = logging.getLogger(__name__)

LOGIN, SECOND_FACTOR = "login", "second_factor"
# check_password_hash never matches it: an account made by SMS has no password until its holder sets one.
NO_PASSWORD = "!"
# The signed session cookie's key while a password sign-in waits for its second factor: [user id, code id].
PENDING = "second_factor"
LOCK_CLASS = 0x534D53  # "SMS": the first key of the advisory lock on a phone


class SmsUnavailable(MenpaiError):
    """The SMS gateway is busy or unreachable: ask again later."""

    status, code = 503, "sms_unavailable"


class SmsFailed(MenpaiError):
    """The SMS gateway refused the message for good (a number it cannot deliver to, a configuration error)."""

    status, code = 502, "sms_failed"


class SecondFactorRequired(Unauthorized):
    """The password was right; the code sent to the registered phone must confirm it (POST /auth/second-factor)."""

    code = "second_factor_required"


def _cfg(name):
    return current_app.config[name]


def _code_hash(index: str, purpose: str, code: str) -> str:
    return vault().blind_index(f"{purpose}:{index}:{code}", "sms_code")


def _serialise(index: str) -> None:
    """Hold the phone's lock until the transaction ends, so two requests cannot both pass its limits."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": LOCK_CLASS, "b": int(index[:7], 16)})
    else:  # SQLite: a write takes the database's write lock (the other writer waits for this one's commit)
        db.session.execute(
            update(SmsCode)
            .where(SmsCode.id == 0)
            .values(tries=SmsCode.tries)
            .execution_options(synchronize_session=False)
        )


def _limits(index: str, ip: str | None):
    """(message key, conditions, window seconds, most codes in the window) of every send limit."""
    phone = (SmsCode.phone_index == index,)
    rows = [
        ("error.sms_phone_wait", phone, 60, _cfg("SMS_PHONE_PER_MINUTE")),
        ("error.sms_phone_limit", phone, 3600, _cfg("SMS_PHONE_PER_HOUR")),
        ("error.sms_phone_limit", phone, 86400, _cfg("SMS_PHONE_PER_DAY")),
        ("error.sms_ip_limit", (SmsCode.ip == ip,), 3600, _cfg("SMS_IP_PER_HOUR") if ip else 0),
        ("error.sms_busy", (), 3600, _cfg("SMS_GLOBAL_PER_HOUR")),
    ]
    return [row for row in rows if row[3]]


def _limit_reached(now, index: str, ip: str | None):
    """(until when, message key) of the reached limit that holds longest (a day's outlasts a minute's), or None."""
    worst = None
    for key, conds, seconds, most in _limits(index, ip):
        window = timedelta(seconds=seconds)
        # The most-th newest code in the window: while it is inside, the window is full.
        nth = db.session.scalar(
            select(SmsCode.created_at)
            .where(*conds, SmsCode.created_at > now - window)
            .order_by(SmsCode.created_at.desc())
            .offset(most - 1)
            .limit(1)
        )
        if nth is not None and (worst is None or nth + window > worst[0]):
            worst = (nth + window, key)
    return worst


def _seconds(now, until) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _check_limits(now, index: str, ip: str | None) -> None:
    """429 with Retry-After when a limit is reached."""
    reached = _limit_reached(now, index, ip)
    if reached is not None:
        seconds = _seconds(now, reached[0])
        raise TooManyAttempts(
            reached[1], seconds=seconds, minutes=math.ceil(seconds / 60), headers={"Retry-After": str(seconds)}
        )


def issue_code(phone: str, purpose: str, ip: str | None, user: User | None = None) -> SmsCode:
    """A new code for phone, sent now through the SMS gateway. 429 over a limit; 503 / 502 when the gateway is busy
    or refuses (the code row and its audit event are written all the same: the caller commits them)."""
    index = phone_index(phone)
    now = utcnow()
    _serialise(index)
    _check_limits(now, index, ip)
    code = f"{secrets.randbelow(10**6):06d}"
    seconds = _cfg("SMS_CODE_SECONDS")
    row = SmsCode(
        phone_index=index,
        purpose=purpose,
        code_hash=_code_hash(index, purpose, code),
        user_id=user.id if user is not None else None,
        ip=ip,
        created_at=now,
        expires_at=now + timedelta(seconds=seconds),
    )
    db.session.add(row)
    db.session.flush()
    message = t(f"sms.{purpose}_code", code=code, minutes=math.ceil(seconds / 60))
    outcome, error, reason, after = "sent", None, None, None
    try:
        app_gateway().send_code(phone, code, message, user_id=row.user_id)
    except Failed as exc:
        outcome, reason, error = "failed", exc.reason, SmsFailed("error.sms_failed")
    except Retry as exc:
        outcome, reason, after = "retry", exc.reason, exc.after_seconds
    except Exception as exc:  # a gateway's own bug: the same as busy for the person waiting, loud in the log
        log.exception("SMS gateway failed to send a %s code", purpose)
        outcome, reason = "retry", type(exc).__name__
    if outcome == "retry":
        # The code that did not go out still counts towards the limits: ask again when both they and the gateway
        # allow it.
        reached = _limit_reached(now, index, ip)
        wait = max(_seconds(now, reached[0]) if reached else 1, math.ceil(after or 0))
        error = SmsUnavailable("error.sms_unavailable", headers={"Retry-After": str(wait)})
    details = {"reason": reason} if reason else {}
    audit.record(
        "auth.sms_code",
        actor=user,
        target_type="phone",
        target_id=index,
        phone=mask_phone(phone),
        purpose=purpose,
        outcome=outcome,
        code_id=row.id,
        **details,
    )
    if error is not None:
        raise error
    return row


def code_sent() -> dict:
    """The answer to asking for a code: the same for every phone."""
    return {"expires_in": _cfg("SMS_CODE_SECONDS"), "resend_in": 60 if _cfg("SMS_PHONE_PER_MINUTE") else 0}


def _refuse_try(row: SmsCode | None, index: str, purpose: str, phone_shown: str, reason: str, tries: int | None):
    audit.record(
        "auth.sms_code_failed",
        target_type="phone",
        target_id=index,
        phone=phone_shown,
        purpose=purpose,
        reason=reason,
        code_id=row.id if row is not None else None,
        tries=tries,
    )
    most = _cfg("SMS_CODE_MAX_TRIES")
    if reason == "wrong" and tries is not None and tries < most:
        raise Unauthorized("error.sms_code_wrong", code="sms_code_wrong", left=most - tries)
    raise Unauthorized("error.sms_code_spent", code="sms_code_spent")


def use_code(row: SmsCode | None, index: str, purpose: str, code: str, phone_shown: str) -> SmsCode:
    """Spend row on code, or 401: a wrong code costs a try (claimed before the comparison), a used, expired or
    exhausted one is refused. The caller commits a refusal too (the try counted, its audit event)."""
    now = utcnow()
    most = _cfg("SMS_CODE_MAX_TRIES")
    if row is None:
        _refuse_try(row, index, purpose, phone_shown, "no_code", None)
    if row.used_at is not None:
        _refuse_try(row, index, purpose, phone_shown, "used", row.tries)
    if row.expires_at <= now:
        _refuse_try(row, index, purpose, phone_shown, "expired", row.tries)
    tries = db.session.execute(
        update(SmsCode)
        .where(SmsCode.id == row.id, SmsCode.used_at.is_(None), SmsCode.tries < most, SmsCode.expires_at > now)
        .values(tries=SmsCode.tries + 1)
        .returning(SmsCode.tries)
        .execution_options(synchronize_session=False)
    ).scalar()
    if tries is None:  # no try left, or used meanwhile
        _refuse_try(row, index, purpose, phone_shown, "tries", most)
    if not hmac.compare_digest(row.code_hash, _code_hash(index, purpose, code)):
        _refuse_try(row, index, purpose, phone_shown, "wrong", tries)
    spent = db.session.execute(
        update(SmsCode)
        .where(SmsCode.id == row.id, SmsCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not spent:
        _refuse_try(row, index, purpose, phone_shown, "used", tries)
    return row


# ---- residents: sign in with a code ------------------------------------------------------------------------------


def send_login_code(phone: str, ip: str | None) -> dict:
    issue_code(phone, LOGIN, ip)
    return code_sent()


def sign_in_with_code(phone: str, code: str) -> User:
    """The account of phone once code is right: made on the first sign-in (a resident). 401 for a wrong code; 403
    for a staff account (staff sign in with their password) or a deactivated one."""
    index = phone_index(phone)
    shown = mask_phone(phone)
    newest = db.session.scalar(
        select(SmsCode)
        .where(SmsCode.phone_index == index, SmsCode.purpose == LOGIN)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc())
        .limit(1)
    )
    use_code(newest, index, LOGIN, code, shown)
    user = db.session.scalar(select(User).where(User.phone_index == index))
    if user is None:
        user = _new_resident(phone, index)
    refusal = "staff" if user.role in STAFF_ROLES else ("inactive" if not user.active else None)
    if refusal:
        audit.record("auth.sms_login_refused", target=user, target_id=user.id, phone=shown, reason=refusal)
        if refusal == "staff":
            raise Forbidden("error.sms_login_staff", code="staff_sign_in_with_password")
        raise Forbidden("error.account_inactive", code="account_inactive")
    audit.record("auth.sms_login", actor=user, target=user, target_id=user.id, phone=shown)
    return user


def _new_resident(phone: str, index: str) -> User:
    """The resident's account: the phone sealed, no password, a name that shows only the masked number."""
    v = vault()
    name = t("account.resident_name", lang=_cfg("DEFAULT_LANGUAGE"), phone=mask_phone(phone))
    try:
        with db.session.begin_nested():
            user = User(
                username=f"resident-{secrets.token_hex(6)}",
                display_name=name,
                role="resident",
                password_hash=NO_PASSWORD,
                phone_enc=v.encrypt(phone, "phone"),
                phone_index=index,
            )
            db.session.add(user)
    except IntegrityError:  # a concurrent first sign-in of the same phone made it: the unique index decided
        user = db.session.scalar(select(User).where(User.phone_index == index))
        if user is None:
            raise
        return user
    audit.record("user.create", actor=user, target=user, target_id=user.id, role="resident", via="sms")
    return user


# ---- staff: the second factor ------------------------------------------------------------------------------------


def second_factor_needed(user: User) -> bool:
    setting = _cfg("STAFF_SECOND_FACTOR")
    on = _cfg("SMS_GATEWAY") != "dev" if setting is None else bool(setting)
    return on and user.role in _cfg("STAFF_SECOND_FACTOR_ROLES")


def demand_second_factor(user: User, ip: str | None) -> None:
    """After the right password: nothing for most accounts. Staff who can read personal data in clear get a code
    on their registered phone and a 401 second_factor_required; no session exists until POST /auth/second-factor
    confirms it (the pending sign-in is in the signed session cookie). Commits what it did before refusing."""
    if not second_factor_needed(user):
        return
    if not user.phone_enc:
        raise Forbidden("error.second_factor_no_phone", code="second_factor_no_phone")
    phone = vault().decrypt(user.phone_enc, "phone")
    try:
        row = issue_code(phone, SECOND_FACTOR, ip, user=user)
    except MenpaiError:
        db.session.commit()  # the send that failed stays audited and counted
        raise
    cookie[PENDING] = [user.id, row.id]
    db.session.commit()  # the code must outlive this refusal
    raise SecondFactorRequired("error.second_factor_required", phone=mask_phone(phone))


def confirm_second_factor(code: str) -> User:
    """The user whose password sign-in this code completes, or 401."""
    pending = cookie.get(PENDING)
    if not (isinstance(pending, list) and len(pending) == 2 and all(isinstance(i, int) for i in pending)):
        raise Unauthorized("error.second_factor_not_started", code="second_factor_not_started")
    user, row = db.session.get(User, pending[0]), db.session.get(SmsCode, pending[1])
    if user is None or row is None or row.user_id != user.id or row.purpose != SECOND_FACTOR:
        cookie.pop(PENDING, None)
        raise Unauthorized("error.second_factor_not_started", code="second_factor_not_started")
    shown = mask_phone(vault().decrypt(user.phone_enc, "phone")) if user.phone_enc else ""
    use_code(row, row.phone_index, SECOND_FACTOR, code, shown)
    cookie.pop(PENDING, None)
    if not user.active:
        raise Unauthorized("error.bad_credentials")
    return user
