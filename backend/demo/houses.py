"""Demo rentals: houses with doorplates in every state, a few fire notices, one replaced plate."""

import random
from datetime import date, timedelta

from sqlalchemy import select, update

from backend.addresses.models import Address
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import activate, revoke, url_of
from backend.extensions import db
from backend.fire.models import FireNotice
from backend.houses.models import House
from backend.houses.operations import register_house
from backend.obligations.operations import start_monthly_confirmation
from backend.types import utcnow
from backend.verification.models import VerificationTask

EVERY = 9  # one address in nine is a rental


def seed_houses(landlord, fire_officer) -> list[Doorplate]:
    """Idempotent: addresses that already have a house are left alone. Returns the plates made now."""
    rng = random.Random(7)
    taken = set(db.session.scalars(select(House.address_id)))
    addresses = db.session.scalars(select(Address).order_by(Address.code)).all()
    made = []
    for n, address in enumerate(addresses[::EVERY]):
        if address.id in taken:
            continue
        house = register_house(address, landlord=landlord, max_occupants=rng.choice([2, 3, 4, 6, 8]))
        plate = db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id))
        if n % 5 != 4:  # four in five verified; the rest still wait for the grid worker
            seed_as_verified(house, plate)
        if n % 11 == 3:
            _notice(house, fire_officer, "rectification", "楼道堆放杂物,电动车室内充电", 10 - n % 20)
        if n % 17 == 5:
            _notice(house, fire_officer, "reminder", "冬季用电安全提醒", None)
        if n % 23 == 7:
            house.status = "closed"
            _notice(house, fire_officer, "penalty", "逾期未整改,依法责令停止出租", None)
        if n == 2:
            revoke(plate, "damaged")  # its first print is void: scanning it says "replaced"
        made.append(plate)
    db.session.flush()
    return made


def seed_as_verified(house, plate) -> None:
    """Demo and test data only: a house that was verified before the data starts (no visit on record)."""
    house.status, house.verified_at = "active", utcnow()
    activate(plate)
    db.session.execute(
        update(VerificationTask).where(VerificationTask.house_id == house.id).values(state="done", closed_at=utcnow())
    )
    start_monthly_confirmation(house)


def _notice(house, officer, kind, title, days):
    deadline = date.today() + timedelta(days=days) if days is not None else None
    db.session.add(FireNotice(house_id=house.id, kind=kind, title=title, deadline=deadline, issued_by_id=officer.id))


def sample_urls(limit=3) -> list[str]:
    plates = db.session.scalars(
        select(Doorplate).where(Doorplate.state == "active").order_by(Doorplate.id).limit(limit)
    )
    return [url_of(p) for p in plates]
