"""House operations. Declaration, verification and the rest of the loop arrive with the rental-loop issue."""

from backend import audit
from backend.doorplates.operations import issue_doorplate
from backend.extensions import db
from backend.houses.models import House


def register_house(address, landlord=None, max_occupants=None, actor=None) -> House:
    """A declared house at a standard address, with its pending doorplate."""
    house = House(address=address, landlord=landlord, scope_code=address.scope_code, max_occupants=max_occupants)
    db.session.add(house)
    db.session.flush()
    audit.record("house.register", actor=actor or landlord, target=house, region_code=house.scope_code)
    issue_doorplate(house, actor=actor or landlord)
    return house
