"""Fire safety in the API: officers issue, re-inspect, escalate and close; landlords read and answer."""

from datetime import date

from flask import request
from flask_login import current_user

from backend.api.routing import int_arg, route
from backend.extensions import db
from backend.fire import cli, queries
from backend.fire import contracts as c
from backend.fire.campaigns import run_campaign
from backend.fire.models import FireNotice
from backend.fire.operations import (
    close_notice,
    escalate,
    issue_notice,
    mark_delivered,
    read_notice,
    reinspect,
    reopen_house,
    set_house_status,
    submit_rectification,
    visible_house,
    visible_notice,
)
from backend.overdue import effective_notice_status

OFFICER = ("fire_officer",)


def notice_json(n: FireNotice, detail=False) -> dict:
    today = date.today()
    out = {
        "id": n.id,
        "house_id": n.house_id,
        "kind": n.kind,
        "status": effective_notice_status(n, today),  # "overdue" from the day after the deadline, no sweep needed
        "title": n.title,
        "deadline": n.deadline and n.deadline.isoformat(),
        "days_left": (n.deadline - today).days if n.deadline else None,
        "issued_at": n.issued_at.isoformat(),
        "read_at": n.read_at and n.read_at.isoformat(),
        "outcome": n.outcome,
        "parent_id": n.parent_id,
    }
    if detail:
        photos = queries.item_photos(n)
        out.update(
            body=n.body,
            legal_basis=n.legal_basis,
            amount=float(n.amount) if n.amount is not None else None,
            decision_number=n.decision_number,
            items=[
                {
                    "id": i.id,
                    "description": i.description,
                    "standard": i.standard,
                    "status": i.status,
                    "note": i.note,
                    "photos": photos.get(i.id, []),
                }
                for i in n.items
            ],
        )
    return out


@route(
    "/houses/<int:house_id>/notices",
    "POST",
    summary="Issue a reminder, rectification order or penalty decision",
    tag="fire",
    roles=OFFICER,
    body=c.NoticeIssue,
    response=c.Notice,
    status=201,
    errors=(400, 404, 409),
)
def notice_issue(house_id, body: c.NoticeIssue):
    notice = issue_notice(current_user, visible_house(current_user, house_id), body)
    return notice_json(notice, detail=True), 201


@route(
    "/notices",
    summary="Notices: a landlord's own; an officer's in scope, soonest deadline first. Reading changes nothing: "
    "the app reports delivery with POST /notices/delivered",
    tag="fire",
    roles=("landlord", "fire_officer"),
    params=[
        ("house", "integer", False, "only this house's notices"),
        ("open", "boolean", False, "1: only open notices"),
        ("overdue", "boolean", False, "1: only overdue (past the deadline awaiting evidence) or escalated"),
        ("mine", "boolean", False, "officers, 1: only the notices I issued"),
    ],
    response=c.NoticeList,
)
def notice_list():
    args = request.args
    query = queries.notices(
        current_user,
        house_id=int_arg("house", 0, 1, 2**31 - 1) if args.get("house") else None,
        only_open=args.get("open") in ("1", "true"),
        overdue=args.get("overdue") in ("1", "true"),
        mine=args.get("mine") in ("1", "true"),
    )
    rows = db.session.execute(query).all()
    return {"notices": [{**notice_json(n), "address": text, "unit_label": unit} for n, text, unit in rows]}


@route(
    "/notices/<int:notice_id>",
    summary="One notice with its items and evidence",
    tag="fire",
    roles=("landlord", "fire_officer"),
    response=c.Notice,
    errors=(404,),
)
def notice_detail(notice_id):
    return notice_json(visible_notice(current_user, notice_id), detail=True)


@route(
    "/notices/delivered",
    "POST",
    summary="The landlord's app has shown these notices: issued → delivered (a GET never marks anything)",
    tag="fire",
    roles=("landlord",),
    body=c.NoticesDelivered,
    response=c.NoticesDeliveredResult,
    errors=(400,),
)
def notices_delivered(body: c.NoticesDelivered):
    return {"delivered": mark_delivered(current_user, body.ids)}


@route(
    "/notices/<int:notice_id>/read",
    "POST",
    summary="The landlord's read receipt",
    tag="fire",
    roles=("landlord",),
    response=c.Notice,
    errors=(404,),
)
def notice_read(notice_id):
    return notice_json(read_notice(current_user, visible_notice(current_user, notice_id)), detail=True)


@route(
    "/notices/<int:notice_id>/evidence",
    "POST",
    summary="Rectification evidence: a note and photos per item",
    tag="fire",
    roles=("landlord",),
    body=c.Evidence,
    response=c.Notice,
    errors=(400, 404, 409),
)
def notice_evidence(notice_id, body: c.Evidence):
    notice = submit_rectification(current_user, visible_notice(current_user, notice_id), body)
    return notice_json(notice, detail=True)


@route(
    "/notices/<int:notice_id>/reinspect",
    "POST",
    summary="Re-inspection: pass or fail each item; failed items carry over to a new order with a new deadline",
    tag="fire",
    roles=OFFICER,
    body=c.Reinspect,
    response=c.Reinspection,
    errors=(400, 404, 409),
)
def notice_reinspect(notice_id, body: c.Reinspect):
    notice = visible_notice(current_user, notice_id)
    follow = reinspect(current_user, notice, body)
    return {"notice": notice_json(notice, detail=True), "follow_up": follow and notice_json(follow, detail=True)}


@route(
    "/notices/<int:notice_id>/escalate",
    "POST",
    summary="Past the deadline: a penalty decision and/or suspend or close (取缔) the house",
    tag="fire",
    roles=OFFICER,
    body=c.Escalate,
    response=c.Notice,
    errors=(400, 404, 409),
)
def notice_escalate(notice_id, body: c.Escalate):
    notice = visible_notice(current_user, notice_id)
    escalate(current_user, notice, body)
    return notice_json(notice, detail=True)


@route(
    "/notices/<int:notice_id>/close",
    "POST",
    summary="Close by hand: resolved (e.g. penalty settled) or cancelled",
    tag="fire",
    roles=OFFICER,
    body=c.NoticeClose,
    response=c.Notice,
    errors=(400, 404, 409),
)
def notice_close(notice_id, body: c.NoticeClose):
    notice = close_notice(current_user, visible_notice(current_user, notice_id), body.outcome)
    return notice_json(notice, detail=True)


@route(
    "/houses/<int:house_id>/status",
    "POST",
    summary="Suspend, close (取缔: red plate, no check-ins) or reopen a house: reopening needs every rectification "
    "order passed and every penalty decision closed (409 reopen_needs_reinspection / reopen_needs_penalty_closed)",
    tag="fire",
    roles=OFFICER,
    body=c.HouseStatus,
    response=c.HouseStatusResult,
    errors=(400, 404, 409),
)
def house_status(house_id, body: c.HouseStatus):
    house = visible_house(current_user, house_id)
    if body.status == "active":
        reopen_house(current_user, house, body.reason)
    else:
        set_house_status(current_user, house, body.status, body.reason)
    return {"id": house.id, "status": house.status, "occupants_count": house.occupants}


@route(
    "/campaigns",
    "POST",
    summary="One notice to every rental in a region in scope; a per-house result",
    tag="fire",
    roles=OFFICER,
    body=c.CampaignRun,
    response=c.CampaignResult,
    errors=(400, 404),
)
def campaign_run(body: c.CampaignRun):
    return run_campaign(current_user, body)


def init_app(app):
    """Fire safety: notices, rectification, the penalty ladder, campaigns."""
    cli.init_app(app)
