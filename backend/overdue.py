"""Overdue (逾期), derived at read time from the deadline and today, never waited for from a sweep.

A rectification order still awaiting evidence (issued / delivered / read) past its deadline *is* overdue, and an
open obligation past its due date *is* overdue, the moment the day ends: lists, filters, the house card, the
doorplate page, the colour and the cockpit read it through these expressions, and escalation is allowed on it.
The sweeps (`flask notices sweep`, `flask obligations sweep`) only send reminders and stamp `overdue_at` (when the
reminder went out); a stored status of "overdue" from before this rule still counts as overdue.

`TODAY` is one bind parameter, evaluated at each execution (date.today(), the same day as `days_left`); statements
compiled once for the PostgreSQL fast paths pass `today` themselves. Guarded by tests/test_overdue.py.
"""

from datetime import date, datetime

from sqlalchemy import Date, and_, bindparam, case, or_

from backend.fire.models import FireNotice
from backend.obligations.models import Obligation

AWAITING_EVIDENCE = ("issued", "delivered", "read")


def today() -> date:
    """The day deadlines are counted against (the server's calendar day, as days_left and deadline checks use)."""
    return date.today()


def day_of(now: date | datetime) -> date:
    """The calendar day of a moment (an aware one in the server's zone, as date.today()); a date is itself."""
    if not isinstance(now, datetime):
        return now
    return now.date() if now.tzinfo is None else now.astimezone().date()


TODAY = bindparam("today", callable_=today, type_=Date)


def notice_overdue(day=TODAY):
    """SQL: this notice is overdue (an order awaiting evidence past its deadline, or stored as overdue)."""
    late = and_(
        FireNotice.kind == "rectification",
        FireNotice.status.in_(AWAITING_EVIDENCE),
        FireNotice.deadline < day,
    )
    return or_(FireNotice.status == "overdue", late)


def notice_status(day=TODAY):
    """SQL: the notice's status as the reader sees it (stored status, or "overdue")."""
    return case((notice_overdue(day), "overdue"), else_=FireNotice.status)


def obligation_overdue(day=TODAY):
    """SQL: this obligation is overdue (open past its due date, or stored as overdue)."""
    return or_(Obligation.state == "overdue", and_(Obligation.state == "open", Obligation.due_date < day))


def obligation_state(day=TODAY):
    """SQL: the obligation's state as the reader sees it."""
    return case((obligation_overdue(day), "overdue"), else_=Obligation.state)


def effective_notice_status(notice, day: date | None = None) -> str:
    """The same rule in Python, for a loaded notice."""
    day = day or today()
    late = notice.kind == "rectification" and notice.status in AWAITING_EVIDENCE and notice.deadline is not None
    return "overdue" if late and notice.deadline < day else notice.status


def effective_obligation_state(obligation, day: date | None = None) -> str:
    day = day or today()
    return "overdue" if obligation.state == "open" and obligation.due_date < day else obligation.state
