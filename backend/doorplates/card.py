"""What anyone may see of a house behind a doorplate: the public card (no personal data, ever)."""

from datetime import date

from backend.doorplates.lookup import PlateView


def public_card(plate: PlateView, today: date | None = None) -> dict:
    """Address, short code, colour, registration state, capacity and open fire notices with deadlines."""
    today = today or date.today()
    return {
        "address": plate.address,
        "short_code": plate.short_code,
        "doorplate_state": plate.state,
        "colour": plate.colour,
        "house_status": plate.house_status,
        "registered": plate.registered,
        "accepts_check_in": plate.house_status == "active" and plate.state == "active",
        "max_occupants": plate.max_occupants,
        "notices": [
            {
                "kind": n.kind,
                "title": n.title,
                "deadline": n.deadline.isoformat() if n.deadline else None,
                "days_left": (n.deadline - today).days if n.deadline else None,
                "status": n.status,
            }
            for n in plate.notices
        ],
    }
