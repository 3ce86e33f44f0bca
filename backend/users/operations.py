"""Staff administration: who may manage whom, and the changes themselves (each audited with its actor).

Admins manage every staff account of their scope (an admin without a region: everywhere); supervisors manage the
grid workers, fire officers and police of their scope, never an admin or another supervisor, never outside their
region. Residents (and the older landlord and tenant accounts) make themselves and are not managed here. An account
outside the caller's scope is a 404 (its existence is not ours to confirm); one in scope with a role above the
caller's a 403.
"""

import secrets
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import Select, func, or_, select
from werkzeug.security import check_password_hash

from backend import audit
from backend.auth import throttle
from backend.auth.models import STAFF_ROLES, User, UserSession
from backend.auth.operations import create_user, hash_password, revoke_sessions, seal_phone
from backend.auth.scope import scope_code
from backend.errors import Conflict, Forbidden, NotFound, ValidationError
from backend.extensions import db
from backend.people.validate import mask_phone
from backend.people.vault import phone_index, vault
from backend.regions.models import Region
from backend.types import utcnow
from backend.users import contracts as c

# Who manages which roles.
MANAGED = {
    "admin": STAFF_ROLES,
    "supervisor": ("grid_worker", "fire_officer", "police"),
}
# A one-time password: 16 characters of 32 (80 bits) that cannot be mistaken for one another when read out or typed
# (no 0/o, 1/l/i), shown in groups of four.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def managed_roles(actor) -> tuple[str, ...]:
    """The roles actor manages; the command line (actor None) manages every staff role."""
    return STAFF_ROLES if actor is None else MANAGED.get(actor.role, ())


def manager_scope(actor) -> str | None:
    """The region code prefix actor manages: '' everywhere (an admin without a region, the command line), None
    nothing."""
    return "" if actor is None else scope_code(actor)


def may_reach(actor, code: str | None) -> bool:
    """Whether an account scoped to code (None: everywhere) lies inside actor's scope."""
    prefix = manager_scope(actor)
    if prefix is None:
        return False
    return prefix == "" if code is None else code.startswith(prefix)


def _code(user: User) -> str | None:
    return user.region.code if user.region is not None else None


def check_role(actor, role: str) -> None:
    if role not in managed_roles(actor):
        raise Forbidden("error.role_above", fields={"role": "error.role_above"})


def scope_region(actor, code: str | None, role: str) -> Region | None:
    """The region an account of role is to have: known and inside the actor's scope (404 otherwise, as for any
    region outside it). None (everywhere) only for an admin made by an admin of everywhere."""
    if code is None:
        if role != "admin":
            raise ValidationError(fields={"region": "error.region_required"})
        if manager_scope(actor) != "":
            raise ValidationError(fields={"region": "error.region_required"})
        return None
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None or not may_reach(actor, code):
        raise NotFound("error.region_not_in_scope", fields={"region": "error.region_not_in_scope"})
    return region


def managed_user(actor, user_id: int, lock: bool = False) -> User:
    """The staff account user_id if the actor may manage it (locked for the change when lock): 404 outside the
    actor's scope or for a resident, 403 for a role above the actor's."""
    query = select(User).where(User.id == user_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    user = db.session.scalar(query)
    if user is None or user.role not in STAFF_ROLES or not may_reach(actor, _code(user)):
        raise NotFound()
    if user.role not in managed_roles(actor):
        raise Forbidden("error.role_above")
    return user


def _phone_taken(phone_index: str, other_than: int | None = None) -> bool:
    query = select(User.id).where(User.phone_index == phone_index)
    if other_than is not None:
        query = query.where(User.id != other_than)
    return db.session.scalar(query) is not None


# ---- reading ----------------------------------------------------------------------------------------------------


def live_sessions(user_ids) -> dict[int, int]:
    """user id -> live (not revoked, not expired) sessions."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(UserSession.user_id, func.count())
        .where(
            UserSession.user_id.in_(list(user_ids)),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
        .group_by(UserSession.user_id)
    )
    return dict(rows.all())


def masked_phone(user: User) -> str | None:
    return None if user.phone_enc is None else mask_phone(vault().decrypt(user.phone_enc, "phone"))


def staff_json(user: User, sessions: int | None = None) -> dict:
    if sessions is None:
        sessions = live_sessions([user.id]).get(user.id, 0)
    region = user.region
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "region": None if region is None else {"code": region.code, "name": region.name, "level": region.level},
        "phone": masked_phone(user),
        "active": user.active,
        "must_change_password": user.must_change_password,
        "last_login_at": user.last_login_at and user.last_login_at.isoformat(),
        "sessions": sessions,
        "created_at": user.created_at.isoformat(),
    }


@dataclass(frozen=True)
class Filters:
    role: str | None = None
    region: str | None = None
    q: str | None = None
    active: bool | None = None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def staff_query(actor, filters: Filters) -> Select:
    """The staff accounts the actor manages, filtered, by username."""
    roles = managed_roles(actor)
    if filters.role is not None and filters.role not in roles:
        raise ValidationError(fields={"role": "error.not_a_choice"})
    query = select(User).outerjoin(Region, User.region_id == Region.id).where(User.role.in_(roles))
    prefix = manager_scope(actor)
    if prefix is None:
        raise NotFound()
    if prefix:
        query = query.where(Region.code.like(prefix + "%"))  # an account for everywhere is outside any region
    if filters.region:
        if not may_reach(actor, filters.region):
            raise NotFound("error.region_not_in_scope", fields={"region": "error.region_not_in_scope"})
        query = query.where(Region.code.like(filters.region + "%"))
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.active is not None:
        query = query.where(User.active.is_(filters.active))
    if filters.q:
        words = _like(filters.q.lower())
        query = query.where(
            or_(
                func.lower(User.username).like(words, escape="\\"),
                func.lower(User.display_name).like(words, escape="\\"),
            )
        )
    return query.order_by(User.username)


def staff_page(actor, filters: Filters, limit: int, offset: int) -> dict:
    query = staff_query(actor, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    users = db.session.scalars(query.limit(limit).offset(offset)).all()
    sessions = live_sessions([u.id for u in users])
    return {"users": [staff_json(u, sessions.get(u.id, 0)) for u in users], "total": total}


def reveal_phone(actor, user: User) -> str | None:
    """The account's phone in clear; the read is audited."""
    phone = None if user.phone_enc is None else vault().decrypt(user.phone_enc, "phone")
    audit.record("user.phone_read", actor=actor, target=user, region_code=_code(user), registered=phone is not None)
    return phone


# ---- changing ---------------------------------------------------------------------------------------------------


def create_staff(actor, body: c.StaffCreate) -> tuple[User, str]:
    """A new staff account with a one-time password (returned, shown once)."""
    check_role(actor, body.role)
    region = scope_region(actor, body.region, body.role)
    if body.phone is not None and _phone_taken(phone_index(body.phone)):
        raise Conflict("error.phone_taken", fields={"phone": "error.phone_taken"})
    password = one_time_password()
    user = create_user(
        body.username,
        password,
        body.role,
        region.code if region else None,
        body.display_name,
        actor=actor,
        one_time=True,
        phone=body.phone,
    )
    return user, password


def update_staff(actor, user: User, body: c.StaffUpdate) -> tuple[User, int]:
    """Change what body gives; (the account, sessions ended). Deactivating ends every session of the account at
    once; nothing changed writes nothing."""
    given = body.model_fields_set
    activity = "active" in given and body.active != user.active
    if activity and user.id == actor.id:
        raise Conflict("error.deactivate_self", fields={"active": "error.deactivate_self"})
    fields, details, before = [], {}, _code(user)
    if "display_name" in given and body.display_name != user.display_name:
        user.display_name = body.display_name
        fields.append("display_name")
    if "region" in given and body.region != before:
        user.region = scope_region(actor, body.region, user.role)
        fields.append("region")
        details = {"region_from": before, "region_to": body.region}
    if "phone" in given:
        index = phone_index(body.phone)
        if index != user.phone_index:
            if _phone_taken(index, other_than=user.id):
                raise Conflict("error.phone_taken", fields={"phone": "error.phone_taken"})
            seal_phone(user, body.phone)
            fields.append("phone")  # that it changed; never the number
    if fields:
        audit.record("user.update", actor=actor, target=user, region_code=_code(user), fields=fields, **details)
    revoked = 0
    if activity:
        user.active = body.active
        if body.active:
            audit.record("user.reactivate", actor=actor, target=user, region_code=_code(user))
        else:
            audit.record("user.deactivate", actor=actor, target=user, region_code=_code(user))
            revoked = revoke_sessions(user, "deactivated", actor=actor)
    db.session.flush()
    return user, revoked


def reset_password(actor, user: User) -> tuple[str, int]:
    """A new one-time password for the account (returned, shown once): its sessions end, its login failures are
    cleared, and its next sign-in must choose a password."""
    if user.id == actor.id:
        raise Conflict("error.reset_own_password")
    password = one_time_password()
    user.password_hash = hash_password(password, one_time=True)
    user.must_change_password = True
    audit.record("user.password_reset", actor=actor, target=user, region_code=_code(user))
    revoked = revoke_sessions(user, "password_reset", actor=actor)
    throttle.unlock(user, actor=actor)
    return password, revoked


def change_password(user: User, body: c.PasswordChange) -> int:
    """The signed-in user chooses a new password (required after a one-time one); their other sessions end.
    A wrong current password counts as a failed login (throttle.py)."""
    ip = request.remote_addr or ""
    throttle.check(user.username, ip, known_device=True)
    locked = db.session.scalar(
        select(User).where(User.id == user.id).with_for_update().execution_options(populate_existing=True)
    )
    if not check_password_hash(locked.password_hash, body.current):
        throttle.record_failure(locked.username, ip, locked)
        db.session.commit()  # the failure must count (the route commits only an answer)
        raise ValidationError(fields={"current": "error.wrong_password"})
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(body.new) < minimum:
        raise ValidationError("error.password_too_short", fields={"new": "error.password_short"}, min=minimum)
    if body.new == body.current:
        raise ValidationError(fields={"new": "error.password_same"})
    locked.password_hash = hash_password(body.new)
    was_one_time, locked.must_change_password = locked.must_change_password, False
    audit.record("user.password_change", actor=locked, target=locked, region_code=_code(locked), one_time=was_one_time)
    return revoke_sessions(locked, "password_change", actor=locked, keep=user.session)
