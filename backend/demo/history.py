"""Demo history for the cockpit: the houses seeded now are given a past of twelve weeks, so trends, patrols and
alerts look alive. Only houses made in this run are touched (the seed stays idempotent); deterministic per house.

Each house: declared 5–84 days ago, verified 1–72 hours later, tenants checked in over the weeks since (a few
checked out again), anonymous scans of the door, field scans by the grid worker, notices issued on their way;
three houses with tenant scans and nobody confirmed, the replaced plate still scanned, three overdue confirmations.
"""

import random
from datetime import timedelta

from sqlalchemy import insert, select, update

from backend.doorplates.models import Scan
from backend.extensions import db
from backend.fire.models import FireNotice
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.tenancy.models import Tenancy
from backend.tenancy.operations import check_out
from backend.types import utcnow
from backend.verification.models import VerificationTask

WEEKS = 12


def seed_history(plates, landlord) -> None:
    now = utcnow()
    lonely = 0
    for n, plate in enumerate(plates):
        house = db.session.get(House, plate.house_id)
        rng = random.Random(house.id)
        declared = now - timedelta(days=rng.randint(5, WEEKS * 7), hours=rng.randint(0, 23))
        verified = declared + timedelta(hours=rng.randint(1, 72)) if house.verified_at else None
        house.declared_at = house.created_at = declared
        house.verified_at = verified
        db.session.execute(
            update(VerificationTask)
            .where(VerificationTask.house_id == house.id)
            .values(created_at=declared, closed_at=verified)
        )
        start = verified or declared
        for i, tenancy in enumerate(db.session.scalars(select(Tenancy).where(Tenancy.house_id == house.id))):
            span = max(1, (now - start).days)
            came = start + timedelta(days=rng.randint(0, span - 1), hours=rng.randint(8, 20))
            tenancy.created_at = came
            if tenancy.decided_at:
                tenancy.decided_at = came + timedelta(hours=rng.randint(1, 30))
            if i == 0 and n % 4 == 1 and tenancy.status == "active" and (now - came).days > 10:
                check_out(landlord, tenancy)
                tenancy.ended_at = came + timedelta(days=rng.randint(5, (now - came).days - 1))
        for notice in db.session.scalars(select(FireNotice).where(FireNotice.house_id == house.id)):
            notice.issued_at = start + timedelta(days=rng.randint(0, max(0, (now - start).days - 1)))
        _scans(plate, rng, start, now, field=n % 3 != 0)
        has_tenants = db.session.scalar(
            select(Tenancy.id).where(Tenancy.house_id == house.id, Tenancy.status == "active").limit(1)
        )
        if house.status == "active" and not has_tenants and lonely < 3:
            lonely += 1  # someone scans in as a tenant but the landlord never confirms anybody
            for d in (1, 3):
                _scan(plate.id, plate.version, now - timedelta(days=d), role="tenant")
        if plate.version > 1:  # the replaced plate: its old print is still on a door somewhere
            for d in (2, 6):
                _scan(plate.id, plate.version - 1, now - timedelta(days=d), result="revoked")
        if house.status == "active" and n % 19 == 4:
            db.session.execute(
                update(Obligation)
                .where(Obligation.house_id == house.id, Obligation.state == "open")
                .values(state="overdue", due_date=(now - timedelta(days=rng.randint(3, 20))).date(), overdue_at=now)
            )
    db.session.flush()


def _scans(plate, rng, start, now, field: bool) -> None:
    days = max(1, (now - start).days)
    for _ in range(rng.randint(0, 8)):
        _scan(plate.id, plate.version, start + timedelta(days=rng.randint(0, days - 1), hours=rng.randint(7, 21)))
    if field and plate.state == "active":  # the grid worker's last patrol, 1–30 days ago
        _scan(plate.id, plate.version, now - timedelta(days=rng.randint(1, 30)), role="grid_worker", channel="api")


def _scan(plate_id, version, at, role=None, result="ok", channel="page") -> None:
    db.session.execute(
        insert(Scan.__table__).values(
            at=at, doorplate_id=plate_id, version=version, result=result, channel=channel, role=role
        )
    )
