"""flask regions import-boundaries: Shapely checks every polygon before anything is written."""

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from backend.extensions import db
from backend.regions.models import Region
from tests.conftest import WORLD_REGIONS, feature, square, write_geojson


@pytest.fixture
def county(app):
    from backend.regions.importer import apply_rows
    from backend.regions.validate import RegionRow

    with app.app_context():
        apply_rows([RegionRow(i + 2, *row) for i, row in enumerate(WORLD_REGIONS)])
        db.session.commit()
    return app


def community(code="330326100001", geom=None, **kw):
    return feature(
        code,
        geom or square(120.50, 27.60, 0.02, 0.02),
        name="西门社区",
        level="community",
        parent_code="330326100",
        **kw,
    )


def grid(code, geom, parent="330326100001"):
    return feature(code, geom, name=f"网格{code[-3:]}", level="grid", parent_code=parent)


def boundaries(app):
    with app.app_context():
        return {
            r.code: to_shape(r.boundary) for r in db.session.scalars(select(Region).where(Region.boundary.isnot(None)))
        }


def invoke(runner, path):
    return runner.invoke(args=["regions", "import-boundaries", str(path)], env={"MENPAI_LANG": "en"})


def test_valid_file_defines_community_and_grids_with_multipolygons(county, runner, tmp_path):
    path = write_geojson(
        tmp_path / "ok.geojson",
        [
            community(),
            grid("330326100001001", square(120.50, 27.60, 0.01, 0.02)),
            grid("330326100001002", square(120.51, 27.60, 0.01, 0.02)),
        ],
    )
    result = invoke(runner, path)
    assert result.exit_code == 0, result.output
    stored = boundaries(county)
    assert set(stored) == {"330326100001", "330326100001001", "330326100001002"}
    assert stored["330326100001001"].geom_type == "MultiPolygon"
    assert stored["330326100001"].area == pytest.approx(0.0004)


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[120.50, 27.60], [120.51, 27.61], [120.51, 27.60], [120.50, 27.61], [120.50, 27.60]]],
}
EMPTY = {"type": "Polygon", "coordinates": []}
PROJECTED = square(13_420_000, 3_200_000, 1000, 1000)  # Web Mercator metres, not degrees
LINE = {"type": "LineString", "coordinates": [[120.50, 27.60], [120.51, 27.61]]}


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        (BOWTIE, "invalid boundary: Self-intersection"),
        (EMPTY, "the boundary is empty"),
        (PROJECTED, "the coordinates are not longitude/latitude (WGS84)"),
        (LINE, "a boundary must be a Polygon or MultiPolygon, not LineString"),
        (square(120.515, 27.60, 0.01, 0.02), "lies outside its parent region (50.0% outside)"),
        (square(120.505, 27.60, 0.01, 0.02), "overlaps the sibling region 330326100001001"),
    ],
)
def test_bad_grid_polygon_is_reported_and_nothing_is_stored(county, runner, tmp_path, geometry, reason):
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            community(),
            grid("330326100001001", square(120.50, 27.60, 0.01, 0.02)),
            grid("330326100001002", geometry),
        ],
    )
    result = invoke(runner, path)
    assert result.exit_code == 1
    assert "line 3 [330326100001002]: " in result.output
    assert reason in result.output
    assert boundaries(county) == {}
    with county.app_context():
        assert db.session.scalar(select(Region).where(Region.code == "330326100001")) is None


def test_grid_must_lie_inside_a_parent_boundary_already_stored(county, runner, tmp_path):
    assert invoke(runner, write_geojson(tmp_path / "c.geojson", [community()])).exit_code == 0
    path = write_geojson(tmp_path / "g.geojson", [grid("330326100001001", square(120.53, 27.60, 0.01, 0.01))])
    result = invoke(runner, path)
    assert "line 1 [330326100001001]: the boundary lies outside its parent region (100.0% outside)" in result.output


def test_file_in_another_crs_is_refused(county, runner, tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    result = invoke(runner, write_geojson(tmp_path / "crs.geojson", [community()], crs=crs))
    assert result.exit_code == 1
    assert "not WGS84 (EPSG:4326)" in result.output and "3857" in result.output


def test_feature_for_an_unknown_region_without_definition_is_rejected(county, runner, tmp_path):
    path = write_geojson(tmp_path / "u.geojson", [feature("330326100009", square(120.5, 27.6, 0.01, 0.01))])
    assert "line 1 [330326100009]: unknown region code" in invoke(runner, path).output


def test_boundary_of_an_existing_region_is_replaced(county, runner, tmp_path):
    invoke(runner, write_geojson(tmp_path / "a.geojson", [community()]))
    moved = square(120.50, 27.60, 0.03, 0.02)
    invoke(runner, write_geojson(tmp_path / "b.geojson", [feature("330326100001", moved)]))
    assert boundaries(county)["330326100001"].area == pytest.approx(0.0006)
