"""What anyone may see of a house behind a doorplate: the public card (no personal data, ever)."""

from datetime import date

from sqlalchemy import select

from backend.extensions import db
from backend.fire.models import OPEN, FireNotice
from backend.houses.colour import colour


def open_notices(house) -> list[FireNotice]:
    query = select(FireNotice).where(FireNotice.house_id == house.id, FireNotice.status.in_(OPEN))
    return list(db.session.scalars(query.order_by(FireNotice.deadline.is_(None), FireNotice.deadline)))


def public_card(plate, today: date | None = None) -> dict:
    """Address, short code, colour, registration state, capacity and open fire notices with deadlines."""
    house = plate.house
    notices = open_notices(house)
    today = today or date.today()
    return {
        "address": house.address.full_text,
        "short_code": plate.short_code,
        "doorplate_state": plate.state,
        "colour": colour(house, notices, plate),
        "house_status": house.status,
        "registered": house.registered,
        "accepts_check_in": house.status == "active" and plate.state == "active",
        "max_occupants": house.max_occupants,
        "notices": [
            {
                "kind": n.kind,
                "title": n.title,
                "deadline": n.deadline.isoformat() if n.deadline else None,
                "days_left": (n.deadline - today).days if n.deadline else None,
                "status": n.status,
            }
            for n in notices
        ],
    }
