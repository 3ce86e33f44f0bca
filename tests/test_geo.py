"""Spatial helpers give the same answers on PostGIS and SpatiaLite."""

import pytest
from sqlalchemy import select

from backend.addresses.models import Address
from backend.extensions import db
from backend.geo.shapes import ShapeError, check_point
from backend.geo.sql import distance_m, dwithin, point


def test_distance_in_metres_on_the_ellipsoid(app):
    with app.app_context():
        metres = db.session.scalar(select(distance_m(point(120.565, 27.665), point(120.5654, 27.665))))
    assert metres == pytest.approx(39.47, abs=0.05)


def test_dwithin_selects_the_same_rows_on_both_backends(world):
    door = point(120.505, 27.61)  # A1-1; A1-2 is 111 m north, A1-3 986 m east
    with world.app_context():
        near = lambda m: set(db.session.scalars(select(Address.code).where(dwithin(Address.point, door, m))))  # noqa: E731
        assert near(50) == {"A1-1"}
        assert near(120) == {"A1-1", "A1-2"}
        assert near(1000) == {"A1-1", "A1-2", "A1-3"}


@pytest.mark.parametrize(
    ("lon", "lat", "key"),
    [
        (27.6, 120.5, "reject.point_swapped"),
        (0, 0, "reject.point_outside_china"),
        (-73.9, 40.7, "reject.point_outside_china"),
    ],
)
def test_points_outside_china_are_explained(lon, lat, key):
    with pytest.raises(ShapeError) as exc:
        check_point(lon, lat)
    assert exc.value.key == key
