"""House operations: declare (申报领码) and withdraw. Plain functions: they flush and audit, the caller commits."""

from sqlalchemy import select, update

from backend import audit
from backend.addresses.models import Address
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import issue_doorplate, revoke
from backend.errors import Conflict, Forbidden, NotFound
from backend.extensions import db
from backend.houses.contracts import HouseDeclare
from backend.houses.models import LIVE, House
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


def declare_house(landlord, body: HouseDeclare) -> House:
    """申报: a landlord declares a rental at a standard address; a second live declaration of the unit is refused."""
    unit_label = body.unit_label or ""
    address = db.session.scalar(select(Address).where(Address.code == body.address_code))
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
        max_occupants=body.max_occupants,
        unit_label=unit_label,
        rooms=body.rooms,
        floor_area=body.floor_area,
        rent_type=body.rent_type,
        fire_self_check=body.fire_self_check,
    )
    attach_photos(landlord, body.photos, house_id=house.id)
    return house


def own_house(landlord, house_id: int) -> House:
    house = db.session.get(House, house_id)
    if house is None or house.landlord_id != landlord.id:
        raise NotFound()
    return house


def withdraw_house(landlord, house: House) -> None:
    """The landlord stops letting: nobody may be living there; the plate is revoked for good."""
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
