"""Addresses belong to the grid whose polygon contains them, decided in the database."""

from sqlalchemy import select, text

from backend.addresses.assign import assign_grids
from backend.addresses.models import Address
from backend.extensions import db
from tests.conftest import feature, square, write_geojson


def grids_of(app):
    with app.app_context():
        rows = db.session.execute(select(Address.code, Address.scope_code)).all()
        return dict(rows)


def test_each_address_gets_the_grid_containing_its_point(world):
    assert grids_of(world) == {
        "A1-1": "330326100001001",
        "A1-2": "330326100001001",
        "A1-3": "330326100001002",
        "A1-4": "330326100001002",
        "A2-1": "330326100002001",
        "B1-1": "330326101001001",
        "X-1": "330326100002",  # in no grid: falls back to its community
    }


def test_moving_a_grid_boundary_reassigns_with_one_command(world, runner, tmp_path):
    # Grid 001 takes the whole community, grid 002 shrinks to nothing that holds an address.
    path = write_geojson(
        tmp_path / "moved.geojson",
        [
            feature("330326100001001", square(120.50, 27.60, 0.019, 0.02)),
            feature("330326100001002", square(120.519, 27.60, 0.001, 0.02)),
        ],
    )
    result = runner.invoke(args=["regions", "import-boundaries", str(path), "--no-assign"])
    assert result.exit_code == 0, result.output
    assert grids_of(world)["A1-3"] == "330326100001002"  # not yet re-assigned
    result = runner.invoke(args=["addresses", "assign-grids"], env={"MENPAI_LANG": "en"})
    assert "2 changed now" in result.output
    assert grids_of(world)["A1-3"] == "330326100001001"
    assert grids_of(world)["A1-4"] == "330326100001001"


def test_address_outside_every_grid_after_a_change_falls_back_to_its_region(world):
    with world.app_context():
        db.session.execute(text("UPDATE regions SET boundary = NULL WHERE code = '330326101001001'"))
        result = assign_grids()
        db.session.commit()
        assert result["unassigned"] == 2
    assert grids_of(world)["B1-1"] == "330326101001"


def test_assignment_counts_addresses_in_a_grid_of_another_community(world):
    with world.app_context():
        db.session.execute(
            text(
                "UPDATE addresses SET region_id = (SELECT id FROM regions WHERE code = "
                "'330326100002') WHERE code = 'A1-1'"
            )
        )
        assert assign_grids()["outside_region"] == 1
        db.session.rollback()


def test_assignment_uses_the_spatial_index(world):
    with world.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET enable_seqscan = off"))  # a tiny table would be scanned otherwise
            plan = (
                db.session.execute(
                    text(
                        "EXPLAIN SELECT a.id FROM addresses a JOIN regions g ON g.level = 'grid' "
                        "AND ST_Covers(g.boundary, a.point)"
                    )
                )
                .scalars()
                .all()
            )
            assert any("idx_addresses_point" in line or "idx_regions_boundary" in line for line in plan), plan
        else:
            from backend.addresses.assign import SQLITE_CANDIDATES

            select_part = SQLITE_CANDIDATES.split(" AS\n", 1)[1]
            plan = db.session.execute(text("EXPLAIN QUERY PLAN " + select_part)).all()
            assert any("SpatialIndex" in row[-1] for row in plan), plan
