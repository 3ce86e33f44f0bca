"""The cockpit's bulk colour (hashed IN lists) is the same rule as the per-house one (correlated EXISTS)."""

from datetime import date

from sqlalchemy import select, update

from backend.demo.houses import seed_as_verified
from backend.extensions import db
from backend.houses.colour import colour_expr
from backend.houses.models import House
from backend.houses.operations import register_house
from backend.obligations.models import Obligation
from tests.conftest import house_plate

FUTURE, PAST = date(2099, 1, 1), date(2025, 3, 1)


def test_bulk_colour_equals_per_house_colour(houses, world):
    expected = {
        houses.add("A1-1", notices=[("rectification", "整改", FUTURE, "issued")]): "yellow",
        houses.add("A1-2", notices=[("penalty", "处罚", None, "issued"), ("reminder", "提醒", None, "closed")]): "red",
        houses.add("A1-3", status="suspended", notices=[("rectification", "整改", PAST, "overdue")]): "red",
        houses.add("A1-4", notices=[("reminder", "提醒", None, "overdue")]): "yellow",
        houses.add("A2-1"): "yellow",  # overdue obligation, below
        houses.add("B1-1", notices=[("penalty", "处罚", None, "closed")]): "green",
        houses.add("X-1", status="declared", notices=[("penalty", "处罚", None, "issued")]): "grey",
    }
    with world.app_context():
        a21 = list(expected)[4]
        db.session.execute(update(Obligation).where(Obligation.house_id == a21).values(state="overdue"))
        full = register_house(db.session.get(House, a21).address, max_occupants=2, unit_label="北间")
        seed_as_verified(full, house_plate(full))
        full.status, full.occupants = "active", 2
        db.session.commit()
        expected[full.id] = "yellow"  # at its limit
        rows = db.session.execute(select(House.id, colour_expr(), colour_expr(bulk=True))).all()
    assert {h: per_house for h, per_house, _ in rows} == expected
    assert {h: bulk for h, _, bulk in rows} == expected
