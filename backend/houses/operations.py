"""House operations: declare (申报领码) and withdraw. Plain functions: they flush and audit, the caller commits."""

from sqlalchemy import select, update

from backend import audit
from backend.addresses.models import Address
from backend.doorplates.operations import issue_doorplate
from backend.errors import Conflict, Forbidden, NotFound
from backend.extensions import db
from backend.forms import Form
from backend.houses.checklists import check_answers
from backend.houses.models import LIVE, RENT_TYPES, House
from backend.locks import lock
from backend.uploads.operations import attach_photos
from backend.verification.models import VerificationTask


def register_house(address, landlord=None, max_occupants=None, actor=None, **details) -> House:
    """A declared house at a standard address, with its pending doorplate and a verification task for its grid."""
    house = House(
        address=address, landlord=landlord, scope_code=address.scope_code, max_occupants=max_occupants, **details
    )
    db.session.add(house)
    db.session.flush()
    audit.record("house.declare", actor=actor or landlord, target=house, region_code=house.scope_code)
    issue_doorplate(house, actor=actor or landlord)
    db.session.add(VerificationTask(house_id=house.id, scope_code=house.scope_code))
    db.session.flush()
    return house


def declare_house(landlord, data: dict) -> House:
    """申报: a landlord declares a rental at a standard address; a second live declaration of the unit is refused."""
    form = Form(data)
    address_code = form.str("address_code", max_length=40)
    unit_label = form.str("unit_label", required=False, max_length=40) or ""
    rooms = form.int("rooms", 1, 200)
    area = form.float("floor_area", 1, 100_000)
    max_occupants = form.int("max_occupants", 1, 500)
    rent_type = form.str("rent_type", choices=RENT_TYPES)
    self_check = form.check("fire_self_check", lambda v: check_answers("fire_self_check", v, "fire_self_check"))
    photo_ids = form.ids("photos")
    form.done()
    address = db.session.scalar(select(Address).where(Address.code == address_code))
    if address is None:
        raise NotFound("error.unknown_address", fields={"address_code": "error.unknown_address"})
    taken = select(House.id).where(
        House.address_id == address.id, House.unit_label == unit_label, House.status.in_(LIVE)
    )
    if db.session.scalar(taken) is not None:
        raise Conflict(
            "error.house_duplicate", code="house_duplicate", fields={"address_code": "error.house_duplicate"}
        )
    house = register_house(
        address,
        landlord=landlord,
        max_occupants=max_occupants,
        unit_label=unit_label,
        rooms=rooms,
        floor_area=area,
        rent_type=rent_type,
        fire_self_check=self_check,
    )
    attach_photos(landlord, photo_ids, house_id=house.id)
    return house


def own_house(landlord, house_id: int) -> House:
    house = db.session.get(House, house_id)
    if house is None or house.landlord_id != landlord.id:
        raise NotFound()
    return house


def withdraw_house(landlord, house: House) -> None:
    """The landlord stops letting: nobody may be living there; the plate is revoked for good."""
    from backend.doorplates.models import Doorplate
    from backend.doorplates.operations import revoke

    if house.landlord_id != landlord.id:
        raise Forbidden()
    if lock(house).occupants:
        raise Conflict("error.house_occupied", code="house_occupied")
    if house.status in ("withdrawn", "rejected"):
        raise Conflict("error.house_not_live")
    house.status = "withdrawn"
    plate = db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id))
    if plate.state != "revoked":
        revoke(plate, "withdrawn", actor=landlord)
    db.session.execute(
        update(VerificationTask)
        .where(VerificationTask.house_id == house.id, VerificationTask.state.in_(("open", "review")))
        .values(state="cancelled")
    )
    audit.record("house.withdraw", actor=landlord, target=house, region_code=house.scope_code)
