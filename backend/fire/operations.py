"""Fire notices (消防): issue, deliver, read, submit evidence, re-inspect, escalate, close and reopen a house.

Plain functions: they flush, audit and queue notifications in the caller's transaction; the caller commits.
Every change of a notice takes its row lock first (`_lock`) or is one compare-and-set UPDATE, so two officers (or
an officer and the landlord) acting at once never both move it. Overdue is derived from the deadline
(backend/overdue.py): escalation is allowed the day after the deadline, whether or not the sweep has run.

The end of the ladder, one rule: an item passes only on the landlord's evidence. The landlord may submit evidence
on any rectification order still open — issued, read, overdue or escalated (escalation punishes the delay, it does
not end the duty to put things right) — and the officer may pass only submitted items (failing is always allowed).
A house is reopened only with no open rectification order and no open penalty decision (the penalty keeps the
plate red): the officer closes the penalty first (resolved: paid or settled), the error says so by its code.
A notice reaches the landlord three ways (backend/notify): the in-app inbox always, Web Push when subscribed,
and SMS for anything with a deadline (Chrome's push service is unreachable in mainland China, WeChat has none).
"""

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update

from backend import audit
from backend.auth.scope import may_see_house, visible_houses
from backend.errors import Conflict, NotFound, ValidationError
from backend.extensions import db
from backend.fire.contracts import Escalate, Evidence, NoticeIssue, Penalty, Reinspect
from backend.fire.models import OPEN, FireNotice, NoticeItem
from backend.houses.models import House
from backend.locks import lock
from backend.notify.outbox import notify
from backend.overdue import day_of, effective_notice_status, notice_overdue
from backend.tenancy.operations import end_for_closed_house
from backend.types import utcnow
from backend.uploads.operations import attach_photos

REMIND_DAYS_BEFORE = 3
EVIDENCE_WELCOME = ("issued", "delivered", "read", "overdue", "escalated")


def visible_house(user, house_id: int) -> House:
    """The house if user may see it (its landlord, staff in scope: auth/scope.py), else 404."""
    house = db.session.get(House, house_id)
    if house is None or not may_see_house(user, house):
        raise NotFound()
    return house


def visible_notice(user, notice_id: int) -> FireNotice:
    """The notice if user may see its house, else 404."""
    notice = db.session.get(FireNotice, notice_id)
    if notice is None:
        raise NotFound()
    visible_house(user, notice.house_id)
    return notice


def _lock(notice: FireNotice) -> FireNotice:
    """Re-read the notice under its row lock (PostgreSQL: SELECT … FOR UPDATE) before deciding from its status."""
    return lock(notice)


def _tell(house: House, notice: FireNotice, event: str, title: str, body: str) -> None:
    if house.landlord_id:
        notify(
            house.landlord_id,
            title,
            body,
            f"/app/#/notices/{notice.id}",
            notice_id=notice.id,
            sms=notice.deadline is not None,
            dedup_key=f"notice:{notice.id}:{event}",
        )


def issue_notice(officer, house: House, order: NoticeIssue | Penalty, campaign_id=None) -> FireNotice:
    """A reminder, a rectification order (items, deadline, legal basis) or a penalty (amount, basis, number); a
    campaign's notice (fire/campaigns.py) is a reminder or an order."""
    if house.status in ("withdrawn", "rejected"):
        raise Conflict("error.house_not_live")
    kind, deadline = order.kind, order.deadline
    penalty = kind == "penalty"
    notice = FireNotice(
        house_id=house.id,
        kind=kind,
        title=order.title,
        body=order.body,
        legal_basis=order.legal_basis,
        deadline=deadline,
        amount=order.amount if penalty else None,
        decision_number=order.decision_number if penalty else None,
        issued_by_id=officer.id,
        campaign_id=campaign_id,
    )
    items = order.items or []
    notice.items = [
        NoticeItem(position=n, description=item.description, standard=item.standard)
        for n, item in enumerate(items, start=1)
    ]
    db.session.add(notice)
    db.session.flush()
    audit.record(
        "notice.issue",
        actor=officer,
        target=notice,
        region_code=house.scope_code,
        kind=kind,
        house_id=house.id,
        deadline=deadline and deadline.isoformat(),
    )
    _tell(house, notice, "issued", order.title, order.body or "")
    return notice


def mark_delivered(landlord, ids: list[int]) -> int:
    """The landlord's app says it has shown them: issued → delivered, one compare-and-set UPDATE. Only an explicit
    POST does this (a GET, even a cross-site one, changes nothing); ids not the landlord's are ignored."""
    if not ids:
        return 0
    mine = select(House.id).where(visible_houses(landlord))
    result = db.session.execute(
        update(FireNotice)
        .where(FireNotice.id.in_(ids), FireNotice.house_id.in_(mine), FireNotice.status == "issued")
        .values(status="delivered", delivered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        audit.record("notice.delivered", actor=landlord, target_type="fire_notices", notices=result.rowcount)
    return result.rowcount


def read_notice(landlord, notice: FireNotice) -> FireNotice:
    """The landlord opened it (a read receipt). A reminder needs nothing more: it is done once read."""
    if _lock(notice).read_at is None:
        notice.read_at = utcnow()
        notice.delivered_at = notice.delivered_at or notice.read_at
        if notice.kind == "reminder" and notice.is_open:
            notice.status, notice.closed_at, notice.outcome = "closed", notice.read_at, "acknowledged"
        elif notice.status in ("issued", "delivered"):
            notice.status = "read"
        audit.record("notice.read", actor=landlord, target=notice)
    return notice


def submit_rectification(landlord, notice: FireNotice, evidence: Evidence) -> FireNotice:
    """Evidence per item: a note and photos taken with the camera. Every open item must be answered. Also on an
    overdue or escalated order: the things still have to be put right (module docstring)."""
    if notice.kind != "rectification" or _lock(notice).status not in EVIDENCE_WELCOME:
        raise Conflict("error.notice_not_awaiting_evidence", code="notice_not_awaiting_evidence")
    answers = evidence.items
    open_items = {i.id: i for i in notice.items if i.status == "open"}
    if {a.item_id for a in answers} != set(open_items):
        raise ValidationError(fields={"items": "error.evidence_for_every_item"})
    now = utcnow()
    for answer in answers:
        item = open_items[answer.item_id]
        attach_photos(landlord, answer.photos, "items", notice_item_id=item.id)
        item.note, item.status, item.submitted_at = answer.note, "submitted", now
    notice.read_at = notice.read_at or now
    notice.status, notice.submitted_at = "submitted", now
    db.session.flush()
    audit.record("notice.submit", actor=landlord, target=notice, items=len(answers))
    return notice


def reinspect(officer, notice: FireNotice, inspection: Reinspect) -> FireNotice | None:
    """Pass or fail each submitted item. All passed: closed (accepted). Some failed: closed as partly accepted and
    a new order with only the failed items and a new deadline (returned)."""
    status = effective_notice_status(_lock(notice))
    if notice.kind != "rectification" or status not in ("submitted", "overdue", "escalated"):
        raise Conflict("error.notice_not_awaiting_inspection", code="notice_not_awaiting_inspection")
    results = inspection.results  # item id (ASCII digits: the contract) -> passed | failed
    pending = {i.id: i for i in notice.items if i.status in ("submitted", "open")}
    if {int(k) for k in results} != set(pending):
        raise ValidationError(fields={"results": "error.result_for_every_item"})
    if any(v == "passed" and pending[int(k)].status != "submitted" for k, v in results.items()):
        raise ValidationError(fields={"results": "error.pass_needs_evidence"})
    failed = [pending[int(k)] for k, v in results.items() if v == "failed"]
    now = utcnow()
    for key, verdict in results.items():
        item = pending[int(key)]
        item.status, item.inspected_at = verdict, now
    notice.status, notice.closed_at, notice.closed_by_id = "closed", now, officer.id
    notice.outcome = "partly_accepted" if failed else "accepted"
    audit.record("notice.reinspect", actor=officer, target=notice, outcome=notice.outcome, failed=len(failed))
    if not failed:
        db.session.flush()
        return None
    follow = FireNotice(
        house_id=notice.house_id,
        kind="rectification",
        title=notice.title,
        body=notice.body,
        legal_basis=notice.legal_basis,
        deadline=inspection.deadline,
        parent_id=notice.id,
        issued_by_id=officer.id,
    )
    follow.items = [
        NoticeItem(position=n, description=i.description, standard=i.standard, carried_from_id=i.id)
        for n, i in enumerate(failed, start=1)
    ]
    db.session.add(follow)
    db.session.flush()
    house = db.session.get(House, notice.house_id)
    _tell(house, follow, "issued", follow.title, "")
    return follow


def escalate(officer, notice: FireNotice, escalation: Escalate) -> dict:
    """Past the deadline (derived, no sweep needed): a penalty decision and/or suspending or closing (取缔)."""
    if effective_notice_status(_lock(notice)) not in ("overdue", "escalated"):
        raise Conflict("error.notice_not_overdue", code="notice_not_overdue")
    action = escalation.house_action
    house = db.session.get(House, notice.house_id)
    penalty = None if escalation.penalty is None else issue_notice(officer, house, escalation.penalty)
    if action and lock(house).status != ("suspended" if action == "suspend" else "closed"):
        set_house_status(officer, house, "suspended" if action == "suspend" else "closed", reason=f"notice {notice.id}")
    if penalty is None and action is None:
        raise ValidationError(fields={"house_action": "error.escalation_empty"})
    notice.status, notice.escalated_at = "escalated", utcnow()
    audit.record("notice.escalate", actor=officer, target=notice, penalty=penalty and penalty.id, house_action=action)
    return {"penalty": penalty, "house": house}


FROM = {"suspended": ("active",), "closed": ("active", "suspended")}


def set_house_status(officer, house: House, status: str, reason: str) -> None:
    """Suspend or close (取缔: the plate page turns red, check-ins are refused) or reopen a house. The house's row
    lock is taken before its status is read, so of parallel suspend / close / reopen exactly one moves it."""
    lock(house)
    if status == "active":
        still_open = db.session.scalar(
            select(FireNotice.id).where(
                FireNotice.house_id == house.id,
                FireNotice.kind == "rectification",
                FireNotice.status.in_(("issued", "delivered", "read", "submitted", "overdue", "escalated")),
            )
        )
        if house.status not in ("suspended", "closed"):
            raise Conflict("error.house_not_closed", code="house_not_closed")
        if still_open is not None:
            raise Conflict("error.reopen_needs_reinspection", code="reopen_needs_reinspection")
    elif house.status not in FROM[status]:  # each a transition: of a burst of the same change, one moves it
        raise Conflict("error.house_not_live")
    before, house.status = house.status, status
    db.session.flush()
    if status == "closed":  # 取缔 ends the tenancies and tells the tenants (issue 14, item 10)
        end_for_closed_house(officer, house)
    audit.record(
        f"house.{status}", actor=officer, target=house, region_code=house.scope_code, before=before, reason=reason
    )


def reopen_house(officer, house: House, reason: str) -> None:
    """Reopen a suspended or closed house: every rectification order passed, then every penalty decision closed
    (an open penalty keeps the plate red, so a reopened house would still read 禁止出租); else 409 naming which."""

    def still_open(kind):
        query = select(FireNotice.id).where(
            FireNotice.house_id == house.id, FireNotice.kind == kind, FireNotice.status.in_(OPEN)
        )
        return db.session.scalar(query.order_by(FireNotice.id).limit(1))

    if lock(house).status in ("suspended", "closed"):
        if still_open("rectification") is not None:
            raise Conflict("error.reopen_needs_reinspection", code="reopen_needs_reinspection")
        penalty = still_open("penalty")
        if penalty is not None:
            raise Conflict(
                "error.reopen_needs_penalty_closed",
                code="reopen_needs_penalty_closed",
                fields={"penalty": f"#{penalty}"},
                notice=penalty,
            )
    set_house_status(officer, house, "active", reason)


def close_notice(officer, notice: FireNotice, outcome: Literal["resolved", "cancelled"]) -> FireNotice:
    """An officer closes a notice by hand: a penalty settled (resolved) or a notice withdrawn (cancelled)."""
    if not _lock(notice).is_open:
        raise Conflict("error.notice_closed", code="notice_closed")
    notice.status = "cancelled" if outcome == "cancelled" else "closed"
    notice.closed_at, notice.closed_by_id, notice.outcome = utcnow(), officer.id, outcome
    audit.record("notice.close", actor=officer, target=notice, outcome=outcome)
    return notice


def sweep(now: datetime | None = None) -> dict:
    """Idempotent, cron-able: tell landlord and officer of orders that went overdue, remind 3 days before and on
    the due day — each once. It changes no status (overdue is derived, backend/overdue.py): it stamps `overdue_at`
    by compare-and-set, so two sweeps at once tell nobody twice. `now`: re-running a missed night (--now)."""
    today = day_of(now or utcnow())
    awaiting = ("issued", "delivered", "read")
    late = db.session.scalars(
        select(FireNotice).where(
            FireNotice.kind == "rectification", notice_overdue(today), FireNotice.overdue_at.is_(None)
        )
    ).all()
    overdue = []
    for notice in late:
        claimed = db.session.execute(
            update(FireNotice)
            .where(FireNotice.id == notice.id, FireNotice.overdue_at.is_(None))
            .values(overdue_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        overdue.append(notice)
        house = db.session.get(House, notice.house_id)
        _tell(house, notice, "overdue", notice.title, "")
        if notice.issued_by_id:
            notify(
                notice.issued_by_id,
                notice.title,
                "",
                f"/app/#/notices/{notice.id}",
                notice_id=notice.id,
                dedup_key=f"notice:{notice.id}:overdue-officer",
            )
        audit.record("notice.overdue", target=notice, region_code=house.scope_code)
    reminded = 0
    for days, event in ((REMIND_DAYS_BEFORE, "due-soon"), (0, "due-today")):
        due = db.session.scalars(
            select(FireNotice).where(
                FireNotice.kind == "rectification",
                FireNotice.status.in_(awaiting),
                FireNotice.deadline == today + timedelta(days=days),
            )
        ).all()
        for notice in due:
            house = db.session.get(House, notice.house_id)
            before = reminded
            if (
                house.landlord_id
                and notify(
                    house.landlord_id,
                    notice.title,
                    "",
                    f"/app/#/notices/{notice.id}",
                    notice_id=notice.id,
                    sms=True,
                    dedup_key=f"notice:{notice.id}:{event}",
                )
                is not None
            ):
                reminded = before + 1
    db.session.flush()
    return {"overdue": len(overdue), "reminded": reminded}
