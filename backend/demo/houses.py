"""Demo rentals: houses with doorplates in every state, a few fire notices, one replaced plate."""

import random
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import select, update
from stdnum.cn import ric

from backend.addresses.models import Address
from backend.api.contract import parse
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import activate, revoke, token_of, url_of
from backend.extensions import db
from backend.fire.models import FireNotice
from backend.houses.models import House
from backend.houses.operations import register_house
from backend.obligations.operations import start_monthly_confirmation
from backend.people import validate
from backend.tenancy.contracts import CheckIn
from backend.tenancy.operations import check_in, decide
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
        if house.status == "active":
            _tenants(house, landlord, rng, n)
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


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]
HOMETOWNS = ["522422", "430524", "430503", "510722", "330326"]  # where Wenzhou's new residents come from


def _person(rng, n) -> dict:
    born = date(rng.randint(1988, 2004), rng.randint(1, 12), rng.randint(1, 28))
    base = f"{rng.choice(HOMETOWNS)}{born:%Y%m%d}{n % 1000:03d}"
    return {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "id_number": base + ric.calc_check_digit(base + "0"),
        "phone": _mobile(f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"),
    }


def _mobile(number: str) -> str:
    """number, or with its third digit made 8 where its prefix is not allocated to mobiles (154, 174, 179: the
    check-in validates against the number plan); the random draws stay the same, so the town does too."""
    try:
        return validate.check_phone(number)
    except validate.PersonDataError:
        return number[:2] + "8" + number[3:]


def _tenants(house, landlord, rng, n) -> None:
    """Up to the house's capacity minus one: most confirmed, the last one waiting for the landlord."""
    door = SimpleNamespace(id=None, role="tenant", is_authenticated=False)  # registered at the door, no account
    token = token_of(db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id)))
    count = rng.randint(0, max(0, house.max_occupants - 1))
    for i in range(count):
        person = _person(rng, n * 10 + i)
        tenancy = check_in(
            door, token, parse(CheckIn, {**person, "room": f"{i + 1}0{i + 1}", "move_in": date.today().isoformat()})
        )
        if i < count - 1 or count == 1:
            decide(landlord, tenancy, True)


def _notice(house, officer, kind, title, days):
    deadline = date.today() + timedelta(days=days) if days is not None else None
    db.session.add(FireNotice(house_id=house.id, kind=kind, title=title, deadline=deadline, issued_by_id=officer.id))


def sample_urls(limit=3) -> list[str]:
    plates = db.session.scalars(
        select(Doorplate).where(Doorplate.state == "active").order_by(Doorplate.id).limit(limit)
    )
    return [url_of(p) for p in plates]
