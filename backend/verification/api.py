"""Grid workers' verification tasks, nearest first, and the visit (核验赋码)."""

from flask import request
from flask_login import current_user

from backend.api.routing import float_arg, route
from backend.errors import ValidationError
from backend.verification import contracts as c
from backend.verification import queries
from backend.verification.models import Verification
from backend.verification.operations import review, task_for, verify


def _position():
    if request.args.get("lon") is None and request.args.get("lat") is None:
        return None, None
    lon, lat = float_arg("lon"), float_arg("lat")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(fields={"lon": "error.out_of_range"})
    return lon, lat


def visit_json(visit: Verification) -> dict:
    return {
        "id": visit.id,
        "house_id": visit.house_id,
        "outcome": visit.outcome,
        "distance_m": visit.distance_m,
        "accuracy_m": visit.accuracy_m,
        "flagged": visit.flagged,
        "flags": visit.flags,
    }


@route(
    "/tasks",
    summary="Open verification tasks in my grid, nearest first from where I stand",
    tag="verification",
    roles=("grid_worker",),
    params=[("lon", "number", False, "my position (WGS84)"), ("lat", "number", False, "")],
    response=c.TaskList,
    errors=(400,),
)
def task_list():
    rows = queries.open_tasks(current_user, *_position())
    reasons = queries.sent_back([t.id for t, *_ in rows])
    return {
        "tasks": [
            {
                "id": t.id,
                "house_id": h.id,
                "address": a.full_text,
                "unit_label": h.unit_label,
                "declared_at": h.declared_at.isoformat(),
                "distance_m": d,
                "max_occupants": h.max_occupants,
                "fire_self_check": h.fire_self_check,
                "sent_back": reasons.get(t.id),
            }
            for t, h, a, d in rows
        ]
    }


@route(
    "/tasks/<int:task_id>/verify",
    "POST",
    summary="Record the visit: GPS fix, photos, checklist, outcome",
    tag="verification",
    roles=("grid_worker",),
    body=c.Verify,
    response=c.Verification,
    status=201,
    errors=(400, 404, 409),
)
def task_verify(task_id, body: c.Verify):
    return visit_json(verify(current_user, task_for(current_user, task_id), body)), 201


@route(
    "/reviews",
    summary="Verifications waiting for my review: approvals from too far from the door or with no GPS fix",
    tag="verification",
    roles=("supervisor", "admin"),
    response=c.ReviewList,
)
def review_queue():
    return {
        "reviews": [
            {
                "task_id": t.id,
                "house_id": h.id,
                "address": a.full_text,
                "unit_label": h.unit_label,
                "worker": v.worker.display_name,
                "visited_at": v.at.isoformat(),
                "visit": visit_json(v),
            }
            for t, v, h, a in queries.review_list(current_user)
        ]
    }


@route(
    "/reviews/<int:task_id>",
    "POST",
    summary="Approve a verification under review (activates the doorplate) or send it back to the grid worker",
    tag="verification",
    roles=("supervisor", "admin"),
    body=c.Review,
    response=c.ReviewDecision,
    errors=(400, 404, 409),
)
def review_decide(task_id, body: c.Review):
    record = review(current_user, task_for(current_user, task_id), body)
    return {"task_id": record.task_id, "decision": record.decision, "reason": record.reason}


def init_app(app):
    """核验赋码: the grid worker verifies on site; far visits go to review."""
    # the routes above are registered on import
