"""What the API's scan routes share (the doorplate's own, and the house card by scan): the answer to a plate that is
not ok, and where a staff scan stood."""

from typing import NoReturn

from flask import request
from flask_login import current_user

from backend.doorplates.operations import Resolution
from backend.errors import MenpaiError, NotFound
from backend.extensions import db


class Replaced(MenpaiError):
    status, code = 410, "doorplate_replaced"


def problem(found: Resolution) -> NoReturn:
    """A replaced plate is a 410, a forged or unknown one a 404."""
    if found.result == "revoked":
        raise Replaced("doorplate.replaced")
    raise NotFound("doorplate.invalid", code="doorplate_invalid")


def refuse(found: Resolution) -> NoReturn:
    """Answer a plate that is not ok with the scan row kept: every scan is recorded whatever its result, and the
    route commits only a view that returns."""
    db.session.commit()
    problem(found)


def scan_position():
    """A staff app may send where it stood (lon, lat); nobody else's position is kept."""
    try:
        lon, lat = float(request.args["lon"]), float(request.args["lat"])
    except (KeyError, ValueError):
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # nan and inf too: a position that cannot be, not kept
        return None, None
    return (lon, lat) if current_user.is_authenticated and current_user.is_staff else (None, None)
