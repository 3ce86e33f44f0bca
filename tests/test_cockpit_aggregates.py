"""The cockpit's materialised aggregates give the numbers the live queries give (heat-map cells here; the summary's
counts are the hand-computed ones of tests/test_cockpit.py, read from the aggregates). Both databases.

Houses in 滨江社区 (330326101001, lon 120.60–120.62) at points off every cell boundary, so that the live
floor(lon / size) has no float rounding to disagree with the aggregates' integer arithmetic.
"""

from datetime import UTC, datetime

import pytest

from backend.cockpit.aggregates import refresh
from backend.cockpit.maps import _cells_aggregated, _cells_live, heat_cells
from backend.extensions import db
from backend.tenancy.models import Person, Tenancy

B = "330326101"
# code, lon, lat, active tenants
DOORS = [
    ("B-1", 120.6012, 27.6013, 1),
    ("B-2", 120.6013, 27.6018, 2),
    ("B-3", 120.6031, 27.6014, 0),
    ("B-4", 120.6061, 27.6044, 3),
    ("B-5", 120.6112, 27.6091, 1),
    ("B-6", 120.6113, 27.6093, 1),
    ("B-7", 120.6188, 27.6161, 4),
]


@pytest.fixture
def bin_jiang(world, houses, tmp_path):
    from backend.addresses.assign import assign_grids
    from backend.addresses.importer import CSV_COLUMNS, import_file

    path = tmp_path / "b.csv"
    rows = [f"{c},330326101001,滨江路,{n + 1},,,,,,{lon},{lat}" for n, (c, lon, lat, _) in enumerate(DOORS)]
    path.write_text("\n".join([",".join(CSV_COLUMNS), *rows]) + "\n", encoding="utf-8")
    with world.app_context():
        import_file(path)
        assign_grids()
        db.session.commit()
    ids = {code: houses.add(code, max_occupants=6) for code, *_ in DOORS}
    withdrawn = houses.add("B1-1", status="withdrawn")  # not live: in no houses cell
    with world.app_context():
        n = 0
        for code, _, _, tenants in DOORS:
            for _ in range(tenants):
                n += 1
                person = Person(
                    name_enc="x", id_number_enc="x", id_number_index=f"b{n}", phone_enc="x", phone_index=f"p{n}"
                )
                db.session.add(person)
                db.session.flush()
                when = datetime(2025, 3, 1, tzinfo=UTC)
                db.session.add(
                    Tenancy(
                        house_id=ids[code], person_id=person.id, move_in=when.date(), status="active", created_at=when
                    )
                )
        refresh()
        db.session.commit()
    return ids, withdrawn


@pytest.mark.parametrize("size", [0.0025, 0.005, 0.01, 0.05])
@pytest.mark.parametrize("measure", ["houses", "tenants"])
def test_aggregated_cells_equal_the_live_cells(bin_jiang, world, size, measure):
    with world.app_context():
        k = round(size / 0.0025)
        assert _cells_aggregated(B, measure, k) == _cells_live(B, measure, size)


def test_heat_map_from_the_aggregates_by_hand(bin_jiang, world, login_as):
    # 0.005° cells: (24120, 5520) holds B-1, B-2, B-3; (24121, 5520) B-4; (24122, 5521) B-5, B-6; (24123, 5523) B-7.
    body = login_as("supervisor", B).client.get("/api/v1/cockpit/heatmap").get_json()
    assert body["cells"] == [
        [120.6025, 27.6025, 3],
        [120.6075, 27.6025, 1],
        [120.6125, 27.6075, 2],
        [120.6175, 27.6175, 1],
    ]
    tenants = login_as("supervisor", B, username="s2").client.get("/api/v1/cockpit/heatmap?measure=tenants")
    # 3 tenants in 2 houses: shown; 3 in one house, 2 in two houses, 4 in one house: suppressed.
    assert tenants.get_json()["cells"] == [[120.6025, 27.6025, 3]]
    assert tenants.get_json()["suppressed"] == {"cells": 3, "count": 9}
    assert tenants.get_json()["total"] == 12


def test_aggregated_cells_wait_for_the_next_refresh(bin_jiang, world):
    from backend.addresses.models import Address
    from backend.demo.houses import seed_as_verified
    from backend.houses.operations import register_house
    from tests.conftest import house_plate

    with world.app_context():
        address = db.session.query(Address).filter_by(code="B-7").one()
        room = register_house(address, max_occupants=2, unit_label="北间")
        seed_as_verified(room, house_plate(room))
        db.session.commit()
        assert heat_cells(B, "houses", 0.005)["total"] == 7  # as of the last refresh
        assert heat_cells(B, "houses", 0.004)["total"] == 8  # not a multiple of 0.0025: counted live
        refresh()
        db.session.commit()
        assert heat_cells(B, "houses", 0.005)["total"] == 8
