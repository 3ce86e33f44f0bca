"""Obligations (刷码履约): create the next duty, fulfil it (by scanning the door or in the app), sweep overdue ones."""

import calendar
from datetime import date

from flask import current_app
from sqlalchemy import select, update

from backend import audit
from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.obligations.models import Obligation
from backend.types import utcnow


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


def pending_for(house_id: int, kind: str | None = None) -> list[Obligation]:
    query = select(Obligation).where(Obligation.house_id == house_id, Obligation.state.in_(("open", "overdue")))
    if kind:
        query = query.where(Obligation.kind == kind)
    return list(db.session.scalars(query.order_by(Obligation.due_date)))


def fulfil(user, obligation: Obligation, via: str) -> Obligation:
    """Done: the next one of the same kind is created (a month later, or a renewal period later)."""
    if obligation.state not in ("open", "overdue"):
        raise Conflict("error.obligation_done", code="obligation_done")
    obligation.state, obligation.fulfilled_at = "fulfilled", utcnow()
    obligation.fulfilled_by_id, obligation.fulfilled_via = user.id, via
    db.session.flush()
    if obligation.kind == "occupant_confirmation":
        nxt = _add(obligation.house_id, obligation.kind, _month_end(add_months(date.today().replace(day=1), 1)))
    else:
        months = current_app.config["RESIDENCE_RENEWAL_MONTHS"]
        nxt = _add(obligation.house_id, obligation.kind, add_months(date.today(), months), obligation.tenancy_id)
    audit.record("obligation.fulfil", actor=user, target=obligation, via=via, next_due=nxt.due_date.isoformat())
    return nxt


def cancel_for_tenancy(tenancy_id: int) -> None:
    db.session.execute(
        update(Obligation)
        .where(Obligation.tenancy_id == tenancy_id, Obligation.state.in_(("open", "overdue")))
        .values(state="cancelled")
    )


def sweep(today: date | None = None) -> int:
    """Mark open obligations past their due date overdue. Idempotent: a second run the same day changes nothing."""
    today = today or date.today()
    result = db.session.execute(
        update(Obligation)
        .where(Obligation.state == "open", Obligation.due_date < today)
        .values(state="overdue", overdue_at=utcnow())
    )
    if result.rowcount:
        audit.record("obligations.sweep", target_type="obligations", marked=result.rowcount, today=today.isoformat())
    return result.rowcount


def get_obligation(obligation_id: int) -> Obligation:
    ob = db.session.get(Obligation, obligation_id)
    if ob is None:
        raise NotFound()
    return ob
