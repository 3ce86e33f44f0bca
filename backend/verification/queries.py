"""The grid worker's task list, nearest first, and the supervisor's review list, as queries (auth/scope.py)."""

from sqlalchemy import select

from backend.addresses.models import Address
from backend.auth.scope import scope_filter
from backend.extensions import db
from backend.geo.sql import distance_m, point
from backend.houses.models import House
from backend.verification.models import Verification, VerificationReview, VerificationTask, latest_visit_id


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
