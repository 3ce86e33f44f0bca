"""Verification (核验赋码): the grid worker's task list, nearest first, and the visit that settles a declaration."""

from sqlalchemy import select

from backend import audit
from backend.addresses.models import Address
from backend.auth.scope import in_scope, scope_filter
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import activate
from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.forms import Form
from backend.geo.shapes import ShapeError, check_point
from backend.geo.sql import distance_m, point
from backend.houses.checklists import check_answers
from backend.houses.models import House
from backend.houses.operations import attach_photos
from backend.obligations.operations import start_monthly_confirmation
from backend.types import utcnow
from backend.verification.models import FAR_M, OUTCOMES, Verification, VerificationTask

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


def task_for(worker, task_id: int) -> VerificationTask:
    task = db.session.get(VerificationTask, task_id)
    if task is None or not in_scope(worker, task.scope_code):
        raise NotFound()
    return task


def _fix(form: Form):
    lat = form.float("lat", -90, 90)
    lon = form.float("lon", -180, 180)
    accuracy = form.float("accuracy", 0, MAX_ACCURACY_M)
    if lat is not None and lon is not None:
        try:
            check_point(lon, lat)
        except ShapeError as err:
            form.errors.setdefault("lon", err.key)
    return lon, lat, accuracy


def verify(worker, task: VerificationTask, data: dict) -> Verification:
    """Record the visit. Far (> 100 m) or imprecise fixes are flagged on the record, not refused:
    a stairwell fix can be poor and the worker's judgement stands, but a supervisor sees it."""
    form = Form(data)
    lon, lat, accuracy = _fix(form)
    outcome = form.str("outcome", choices=OUTCOMES)
    checklist = form.check("checklist", lambda v: check_answers("verification", v, "checklist"))
    reasons = form.list_of_str("reasons", required=outcome in ("rejected", "needs_fix"))
    note = form.str("note", required=False, max_length=500)
    photo_ids = form.ids("photos")
    form.done()
    if task.state != "open":
        raise Conflict("error.task_closed", code="task_closed")
    house = db.session.get(House, task.house_id)
    address = db.session.get(Address, house.address_id)
    distance = db.session.scalar(select(distance_m(Address.point, point(lon, lat))).where(Address.id == address.id))
    flags = [f for f, bad in (("far", distance > FAR_M), ("imprecise", accuracy > FAR_M)) if bad]
    visit = Verification(
        task_id=task.id,
        house_id=house.id,
        worker_id=worker.id,
        point=point(lon, lat),
        accuracy_m=accuracy,
        distance_m=round(distance, 1),
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
    if outcome != "needs_fix":
        task.state, task.closed_at = "done", utcnow()
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
        house.status, house.verified_at = "active", utcnow()
        activate(plate, actor=worker)
        start_monthly_confirmation(house)
    else:
        from backend.doorplates.operations import revoke

        house.status = "rejected"
        revoke(plate, "withdrawn", actor=worker)
