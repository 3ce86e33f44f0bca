"""Verification (核验赋码): the visit that settles a declaration, and the supervisor's review (queries.py: the lists).

An approval is trusted only from the door: when the fix is further than VERIFY_MAX_DISTANCE_M from the address
point once the fix's own reported accuracy is allowed for (at most VERIFY_ACCURACY_CREDIT_M of it: a phone that
claims ±5 km proves nothing), or when there is no fix at all, the visit is stored as `needs_review`, the house and
its plate stay pending and the task waits in the township supervisor's review list (approve: activates exactly as
an on-site approval; send back: the task is open again for the grid worker). A rejection or needs-fix from afar
stands as it is: it activates nothing. Every task move is a compare-and-set on its state (tests/test_verify_review.py).
"""

from flask import current_app
from sqlalchemy import select, update

from backend import audit
from backend.addresses.models import Address
from backend.auth.scope import in_scope
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import activate, revoke
from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.geo.sql import distance_m, point
from backend.houses.models import House
from backend.obligations.operations import start_monthly_confirmation
from backend.types import utcnow
from backend.uploads.operations import attach_photos
from backend.verification.contracts import Review, Verify
from backend.verification.models import FAR_M, Verification, VerificationReview, VerificationTask


def task_for(worker, task_id: int) -> VerificationTask:
    task = db.session.get(VerificationTask, task_id)
    if task is None or not in_scope(worker, task.scope_code):
        raise NotFound()
    return task


def needs_review(distance: float | None, accuracy: float | None) -> bool:
    """No fix, or too far from the door even after giving the worker the fix's accuracy (capped)."""
    if distance is None:
        return True
    cfg = current_app.config
    credit = min(accuracy or 0.0, cfg["VERIFY_ACCURACY_CREDIT_M"])
    return distance - credit > cfg["VERIFY_MAX_DISTANCE_M"]


def move_task(task: VerificationTask, old: str, new: str) -> None:
    """Compare-and-set the task's state; 409 when someone else moved it first."""
    values = {"state": new, "closed_at": utcnow() if new == "done" else None}
    moved = db.session.execute(
        update(VerificationTask)
        .where(VerificationTask.id == task.id, VerificationTask.state == old)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if moved != 1:
        raise Conflict("error.task_closed", code="task_closed")


def _flags(distance, accuracy) -> list[str]:
    if distance is None:
        return ["no_fix"]
    return [f for f, bad in (("far", distance > FAR_M), ("imprecise", accuracy > FAR_M)) if bad]


def verify(worker, task: VerificationTask, visit: Verify) -> Verification:
    """Record the visit. Far (> 100 m) or imprecise fixes are flagged on the record; an approval beyond the review
    rule (needs_review above) waits for the supervisor instead of activating the plate."""
    lon, lat, accuracy, outcome = visit.lon, visit.lat, visit.accuracy, visit.outcome
    house = db.session.get(House, task.house_id)
    distance = None
    if lon is not None:
        where = select(distance_m(Address.point, point(lon, lat))).where(Address.id == house.address_id)
        distance = db.session.scalar(where)
    if outcome == "approved" and needs_review(distance, accuracy):
        outcome = "needs_review"
    new_state = {"needs_fix": "open", "needs_review": "review"}.get(outcome, "done")
    move_task(task, "open", new_state)  # needs_fix: open -> open, still refused when the task was settled meanwhile
    flags = _flags(distance, accuracy)
    record = Verification(
        task_id=task.id,
        house_id=house.id,
        worker_id=worker.id,
        point=None if lon is None else point(lon, lat),
        accuracy_m=accuracy,
        distance_m=None if distance is None else round(distance, 1),
        flagged=bool(flags),
        flags=flags,
        checklist=visit.checklist,
        outcome=outcome,
        reasons=visit.reasons,
        note=visit.note,
    )
    db.session.add(record)
    db.session.flush()
    attach_photos(worker, visit.photos, verification_id=record.id)
    if new_state == "done":
        _settle(worker, house, outcome)
    audit.record(
        "house.verify",
        actor=worker,
        target=house,
        region_code=house.scope_code,
        outcome=outcome,
        distance_m=record.distance_m,
        flags=flags,
    )
    return record


def _settle(worker, house: House, outcome: str) -> None:
    plate = db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id))
    if outcome == "approved":
        settled = db.session.execute(
            update(House)
            .where(House.id == house.id, House.status == "declared")
            .values(status="active", verified_at=utcnow())
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if settled != 1:
            raise Conflict("error.house_not_live")
        activate(plate, actor=worker)
        start_monthly_confirmation(house)
    else:
        rejected = db.session.execute(
            update(House)
            .where(House.id == house.id, House.status == "declared")
            .values(status="rejected")
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if rejected != 1:
            raise Conflict("error.house_not_live")
        revoke(plate, "withdrawn", actor=worker)


# ---- The township supervisor's review of far or fixless approvals ----------------------------------------------


def review(supervisor, task: VerificationTask, answer: Review) -> VerificationReview:
    """Approve (activates as an on-site approval) or send back with a reason (the task is open again)."""
    decision, reason = answer.decision, answer.reason
    move_task(task, "review", "done" if decision == "approved" else "open")
    visit = db.session.scalar(
        select(Verification).where(Verification.task_id == task.id).order_by(Verification.id.desc()).limit(1)
    )
    house = db.session.get(House, task.house_id)
    record = VerificationReview(
        task_id=task.id, verification_id=visit.id, reviewer_id=supervisor.id, decision=decision, reason=reason
    )
    db.session.add(record)
    db.session.flush()
    if decision == "approved":
        _settle(supervisor, house, "approved")
    audit.record(
        "house.verify_review",
        actor=supervisor,
        target=house,
        region_code=house.scope_code,
        decision=decision,
        verification_id=visit.id,
    )
    return record
