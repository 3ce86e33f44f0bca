"""Obligations (刷码履约): create the next duty, fulfil it (by scanning the door or in the app), sweep overdue ones.

How each kind may be fulfilled (the API document says the same, backend/obligations/contracts.py Fulfil):
- occupant_confirmation (the landlord's monthly 在住人员确认): at the door (`via: scan`, the doorplate token of the
  house) or in the app (`via: app`): the landlord confirms the list of people, which needs no visit.
- registration_renewal (a tenant's residence-registration renewal): at the door only: renewing says "I still
  live here", which the scan of the plate on the door is the proof of.

Overdue is derived from the due date at read time (backend/overdue.py); the sweep only stamps `overdue_at`.
Fulfilling is a compare-and-set on the state, and the next duty is due one period after the later of today and
the fulfilled one's due date, so fulfilling early never creates a second duty with the same due date.
"""

import calendar
from datetime import date, datetime

from flask import current_app
from sqlalchemy import update

from backend import audit
from backend.errors import Conflict, NotFound, ValidationError
from backend.extensions import db
from backend.obligations.models import Obligation
from backend.overdue import day_of
from backend.types import utcnow

# The kinds that may be fulfilled in the app, without scanning the door (module docstring).
APP_ALLOWED = ("occupant_confirmation",)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _add(house_id, kind, due, tenancy_id=None) -> Obligation:
    ob = Obligation(house_id=house_id, kind=kind, due_date=due, tenancy_id=tenancy_id, tenancy_key=tenancy_id or 0)
    db.session.add(ob)
    db.session.flush()
    return ob


def start_monthly_confirmation(house, today: date | None = None) -> Obligation:
    """The landlord confirms who lives there once a month: due at the end of the month after activation."""
    today = today or date.today()
    return _add(house.id, "occupant_confirmation", _month_end(add_months(today.replace(day=1), 1)))


def start_registration_renewal(tenancy, valid_until: date) -> Obligation:
    return _add(tenancy.house_id, "registration_renewal", valid_until, tenancy_id=tenancy.id)


def next_due(obligation: Obligation, today: date) -> date:
    """One period after the later of today and the due date: always after the fulfilled one's due date."""
    start = max(today, obligation.due_date)
    if obligation.kind == "occupant_confirmation":
        return _month_end(add_months(start.replace(day=1), 1))
    return add_months(start, current_app.config["RESIDENCE_RENEWAL_MONTHS"])


def fulfil(user, obligation: Obligation, via: str) -> Obligation:
    """Done: the next one of the same kind is created (a month later, or a renewal period later).
    via "app" only for the kinds in APP_ALLOWED; the caller has checked the token for "scan"."""
    if via not in ("scan", "app") or (via == "app" and obligation.kind not in APP_ALLOWED):
        raise ValidationError(fields={"token": "error.fulfil_needs_scan"})
    done = db.session.execute(
        update(Obligation)
        .where(Obligation.id == obligation.id, Obligation.state.in_(("open", "overdue")))
        .values(state="fulfilled", fulfilled_at=utcnow(), fulfilled_by_id=user.id, fulfilled_via=via)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict("error.obligation_done", code="obligation_done")
    db.session.refresh(obligation)
    nxt = _add(obligation.house_id, obligation.kind, next_due(obligation, date.today()), obligation.tenancy_id)
    audit.record("obligation.fulfil", actor=user, target=obligation, via=via, next_due=nxt.due_date.isoformat())
    return nxt


def cancel_for_tenancy(tenancy_id: int) -> None:
    db.session.execute(
        update(Obligation)
        .where(Obligation.tenancy_id == tenancy_id, Obligation.state.in_(("open", "overdue")))
        .values(state="cancelled")
    )


def sweep(now: datetime | date | None = None) -> int:
    """Stamp `overdue_at` on open obligations past their due date (the state stays: overdue is derived at read
    time). Idempotent: a second run changes nothing. `now`: re-running a missed night (--now)."""
    today = day_of(now or utcnow())
    result = db.session.execute(
        update(Obligation)
        .where(Obligation.state == "open", Obligation.due_date < today, Obligation.overdue_at.is_(None))
        .values(overdue_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        audit.record("obligations.sweep", target_type="obligations", marked=result.rowcount, today=today.isoformat())
    return result.rowcount


def get_obligation(obligation_id: int) -> Obligation:
    ob = db.session.get(Obligation, obligation_id)
    if ob is None:
        raise NotFound()
    return ob
