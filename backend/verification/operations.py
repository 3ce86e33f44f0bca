"""Verification (核验赋码): the grid worker's task list, nearest first, and the visit that settles a declaration.

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
from backend.auth.scope import in_scope, scope_filter
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import activate, revoke
from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.forms import Form
from backend.geo.shapes import ShapeError, check_point
from backend.geo.sql import distance_m, point
from backend.houses.checklists import check_answers
from backend.houses.models import House
from backend.obligations.operations import start_monthly_confirmation
from backend.types import utcnow
from backend.uploads.operations import attach_photos
from backend.verification.models import (
    FAR_M,
    WORKER_OUTCOMES,
    Verification,
    VerificationReview,
    VerificationTask,
    latest_visit_id,
)

MAX_ACCURACY_M = 5000


def open_tasks(worker, lon=None, lat=None, limit=100):
    """(task, house, address, metres away or None) in the worker's scope; nearest first when a position is given."""
    query = (
        select(VerificationTask, House, Address)
        .join(House, VerificationTask.house_id == House.id)
        .join(Address, House.address_id == Address.id)
        .where(VerificationTask.state == "open", scope_filter(worker, VerificationTask.scope_code))
    )
    if lon is None:
        rows = db.session.execute(query.order_by(VerificationTask.created_at).limit(limit)).all()
        return [(t, h, a, None) for t, h, a in rows]
    away = distance_m(Address.point, point(lon, lat)).label("away")
    rows = db.session.execute(query.add_columns(away).order_by(away, VerificationTask.id).limit(limit)).all()
    return [(t, h, a, round(d, 1)) for t, h, a, d in rows]


def sent_back(task_ids) -> dict[int, str]:
    """task id -> the supervisor's reason, for the listed tasks whose latest review sent them back."""
    if not task_ids:
        return {}
    rows = db.session.execute(
        select(VerificationReview.task_id, VerificationReview.decision, VerificationReview.reason)
        .where(VerificationReview.task_id.in_(task_ids))
        .order_by(VerificationReview.task_id, VerificationReview.id)
    )
    latest = {task: (decision, reason) for task, decision, reason in rows}
    return {task: reason for task, (decision, reason) in latest.items() if decision == "sent_back"}


def task_for(worker, task_id: int) -> VerificationTask:
    task = db.session.get(VerificationTask, task_id)
    if task is None or not in_scope(worker, task.scope_code):
        raise NotFound()
    return task


def _fix(form: Form):
    """(lon, lat, accuracy), or (None, None, None) when the visit comes without a fix (no lat and no lon)."""
    if form.data.get("lat") is None and form.data.get("lon") is None:
        return None, None, None
    lat = form.float("lat", -90, 90)
    lon = form.float("lon", -180, 180)
    accuracy = form.float("accuracy", 0, MAX_ACCURACY_M)
    if lat is not None and lon is not None:
        try:
            check_point(lon, lat)
        except ShapeError as err:
            form.errors.setdefault("lon", err.key)
    return lon, lat, accuracy


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


def verify(worker, task: VerificationTask, data: dict) -> Verification:
    """Record the visit. Far (> 100 m) or imprecise fixes are flagged on the record; an approval beyond the review
    rule (needs_review above) waits for the supervisor instead of activating the plate."""
    form = Form(data)
    lon, lat, accuracy = _fix(form)
    outcome = form.str("outcome", choices=WORKER_OUTCOMES)
    checklist = form.check("checklist", lambda v: check_answers("verification", v, "checklist"))
    reasons = form.list_of_str("reasons", required=outcome in ("rejected", "needs_fix"))
    note = form.str("note", required=False, max_length=500)
    photo_ids = form.ids("photos")
    form.done()
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
    visit = Verification(
        task_id=task.id,
        house_id=house.id,
        worker_id=worker.id,
        point=None if lon is None else point(lon, lat),
        accuracy_m=accuracy,
        distance_m=None if distance is None else round(distance, 1),
        flagged=bool(flags),
        flags=flags,
        checklist=checklist,
        outcome=outcome,
        reasons=reasons,
        note=note,
    )
    db.session.add(visit)
    db.session.flush()
    attach_photos(worker, photo_ids, verification_id=visit.id)
    if new_state == "done":
        _settle(worker, house, outcome)
    audit.record(
        "house.verify",
        actor=worker,
        target=house,
        region_code=house.scope_code,
        outcome=outcome,
        distance_m=visit.distance_m,
        flags=flags,
    )
    return visit


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


def review_list(supervisor, limit=100):
    """(task, visit, house, address) waiting for review in the supervisor's scope, oldest first."""
    latest = latest_visit_id()
    query = (
        select(VerificationTask, Verification, House, Address)
        .select_from(VerificationTask)
        .join(Verification, Verification.id == latest)
        .join(House, VerificationTask.house_id == House.id)
        .join(Address, House.address_id == Address.id)
        .where(VerificationTask.state == "review", scope_filter(supervisor, VerificationTask.scope_code))
        .order_by(Verification.at, VerificationTask.id)
        .limit(limit)
    )
    return db.session.execute(query).all()


def review(supervisor, task: VerificationTask, data: dict) -> VerificationReview:
    """Approve (activates as an on-site approval) or send back with a reason (the task is open again)."""
    form = Form(data)
    decision = form.str("decision", choices=("approved", "sent_back"))
    reason = form.str("reason", required=decision == "sent_back", max_length=500)
    form.done()
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
