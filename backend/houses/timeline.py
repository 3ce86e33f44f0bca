"""A house's timeline: everything that happened to it, newest first, a page at a time (its own endpoint, so the
card read at the door stays small)."""

from datetime import datetime

from sqlalchemy import func, or_, select

from backend.audit import AuditEvent
from backend.auth.models import User
from backend.doorplates.models import Doorplate, DoorplateRevocation, Scan
from backend.extensions import db
from backend.fire.models import FireNotice, NoticeItem
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.overdue import effective_notice_status
from backend.tenancy.models import Tenancy
from backend.uploads.models import Photo
from backend.verification.models import Verification, VerificationReview


def page(house: House, before: datetime | None, limit: int, scans: bool = True) -> tuple[list[dict], str | None]:
    """Up to `limit` events older than `before`, newest first, and the `before` of the next page (None: the last).

    A page never ends between two events of the same instant (it runs on to the end of the tie), so paging by
    time alone skips nothing. Every source but scans is read whole (a house has few of each); scans only down to
    the `limit`-th newest, ties included, which is always enough to fill the page.
    """
    events = [e for e in _events(house) if before is None or e["at"] < before]
    if scans:
        events += _scans(house, before, limit)
    events.sort(key=lambda e: e["at"], reverse=True)
    end = limit
    while end < len(events) and events[end]["at"] == events[end - 1]["at"]:
        end += 1
    # More scans may lie below those read when the read hit its cap; an empty last page is then possible.
    more = end < len(events) or (scans and sum(e["kind"] == "scan" for e in events) >= limit)
    shown = events[:end]
    next_before = shown[-1]["at"].isoformat() if more and shown else None
    return [{**e, "at": e["at"].isoformat()} for e in shown], next_before


def _events(house: House) -> list[dict]:
    """Every event of every source but scans; "at" a datetime."""
    events = [{"at": house.declared_at, "kind": "declared"}]
    for v, name in db.session.execute(
        select(Verification, User.display_name)
        .join(User, Verification.worker_id == User.id)
        .where(Verification.house_id == house.id)
    ):
        events.append(
            {
                "at": v.at,
                "kind": "verified",
                "outcome": v.outcome,
                "by": name,
                "distance_m": v.distance_m,
                "flags": v.flags,
                "reasons": v.reasons,
            }
        )
    for r, name in db.session.execute(
        select(VerificationReview, User.display_name)
        .join(User, VerificationReview.reviewer_id == User.id)
        .join(Verification, VerificationReview.verification_id == Verification.id)
        .where(Verification.house_id == house.id)
    ):
        events.append({"at": r.at, "kind": f"review_{r.decision}", "by": name, "reason": r.reason})
    for t in db.session.scalars(select(Tenancy).where(Tenancy.house_id == house.id)):
        events.append({"at": t.created_at, "kind": "check_in", "tenancy_id": t.id})
        if t.decided_at:
            kind = "refused" if t.status == "refused" else "confirmed"
            events.append({"at": t.decided_at, "kind": kind, "tenancy_id": t.id})
        if t.ended_at:
            events.append({"at": t.ended_at, "kind": "check_out", "tenancy_id": t.id})
    events += notice_events(house)
    shown = or_(Obligation.state != "open", Obligation.overdue_at.is_not(None))  # open + stamped: gone overdue
    for o in db.session.scalars(select(Obligation).where(Obligation.house_id == house.id, shown)):
        at = o.fulfilled_at or o.overdue_at
        state = "overdue" if o.state == "open" else o.state
        if at:
            events.append({"at": at, "kind": f"obligation_{state}", "obligation": o.kind, "via": o.fulfilled_via})
    revoked = (
        select(DoorplateRevocation)
        .join(Doorplate, DoorplateRevocation.doorplate_id == Doorplate.id)
        .where(Doorplate.house_id == house.id)
    )
    for r in db.session.scalars(revoked):
        events.append({"at": r.revoked_at, "kind": "doorplate_revoked", "version": r.version, "reason": r.reason})
    return events + status_events(house)


STATUS_ACTIONS = {"house.suspended": "suspended", "house.closed": "closed", "house.active": "active"}


def status_events(house: House) -> list[dict]:
    """Suspended, closed (取缔) and reopened: read from the audit log, the house's only record of them (who, why)."""
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.details, User.display_name)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .where(AuditEvent.house_id == house.id, AuditEvent.action.in_(tuple(STATUS_ACTIONS)))
    )
    return [
        {
            "at": at,
            "kind": "house_status",
            "status": STATUS_ACTIONS[action],
            "before": (details or {}).get("before"),
            "reason": (details or {}).get("reason"),
            "by": name,
        }
        for at, action, details, name in rows
    ]


def _scans(house: House, before: datetime | None, limit: int) -> list[dict]:
    """The house's scans older than `before`, down to the `limit`-th newest and every scan of that instant."""
    mine = [Scan.doorplate_id == select(Doorplate.id).where(Doorplate.house_id == house.id).scalar_subquery()]
    if before is not None:
        mine.append(Scan.at < before)
    floor = select(Scan.at).where(*mine).order_by(Scan.at.desc()).offset(limit - 1).limit(1).scalar_subquery()
    query = select(Scan.at, Scan.result, Scan.role).where(*mine, or_(floor.is_(None), Scan.at >= floor))
    return [
        {"at": at, "kind": "scan", "result": result, "role": role or "anonymous"}
        for at, result, role in db.session.execute(query.order_by(Scan.at.desc()))
    ]


def notice_events(house: House) -> list[dict]:
    """Every step of every fire notice (issued, read, evidence, overdue, escalated, closed): who and when."""
    notices = db.session.scalars(select(FireNotice).where(FireNotice.house_id == house.id)).all()
    if not notices:
        return []
    people = {n.issued_by_id for n in notices} | {n.closed_by_id for n in notices}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(people - {None}))).all())
    ids = [n.id for n in notices]
    items = dict(
        db.session.execute(
            select(NoticeItem.notice_id, func.count(NoticeItem.id))
            .where(NoticeItem.notice_id.in_(ids))
            .group_by(NoticeItem.notice_id)
        ).all()
    )
    photos = dict(
        db.session.execute(
            select(NoticeItem.notice_id, func.count(Photo.id))
            .join(Photo, Photo.notice_item_id == NoticeItem.id)
            .where(NoticeItem.notice_id.in_(ids))
            .group_by(NoticeItem.notice_id)
        ).all()
    )
    events = []
    for n in notices:
        base = {"notice_id": n.id, "notice_kind": n.kind, "title": n.title}
        events.append(
            {
                **base,
                "at": n.issued_at,
                "kind": "notice",
                "deadline": n.deadline and n.deadline.isoformat(),
                "status": effective_notice_status(n),
                "by": names.get(n.issued_by_id),
                "parent_id": n.parent_id,
            }
        )
        steps = (
            ("notice_read", n.read_at, {}),
            ("notice_evidence", n.submitted_at, {"items": items.get(n.id, 0), "photos": photos.get(n.id, 0)}),
            ("notice_overdue", n.overdue_at, {}),
            ("notice_escalated", n.escalated_at, {}),
            ("notice_closed", n.closed_at, {"outcome": n.outcome, "by": names.get(n.closed_by_id)}),
        )
        events += [{**base, "at": at, "kind": kind, **extra} for kind, at, extra in steps if at]
    return events
