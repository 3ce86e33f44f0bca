"""Nearest houses first from a point (GET /api/v1/houses?near=lon,lat): for staff at a door or on a map.

PostGIS: the GiST index on addresses.point answers `point <-> here` (a KNN index scan, no sort of the region's
houses). `<->` measures planar degrees, which overrate an east-west step by 1/cos(lat) (15 % at 30° N), so
the KNN picks CANDIDATES times the rows wanted and those are ordered by metres on the ellipsoid: the metres
order of a page is exact unless a house more than CANDIDATES times further down the degree order is nearer
in metres, which that distortion cannot produce for a page under a few hundred rows in any real density.
SpatiaLite (embedded: a village, a demo): the exact metres of every house in scope, ordered.
"""

from sqlalchemy import Select

from backend.addresses.models import Address
from backend.extensions import db
from backend.geo.sql import distance_m, point
from backend.houses.models import House

CANDIDATES = 4


def nearest_first(query: Select, lon: float, lat: float, limit: int, offset: int) -> Select:
    """`query` (over House joined to Address) nearest first from (lon, lat), with the metres as a last column."""
    here = point(lon, lat)
    away = distance_m(Address.point, here).label("distance_m")
    if db.session.get_bind().dialect.name == "postgresql":
        knn = query.with_only_columns(House.id).order_by(Address.point.op("<->")(here))
        query = query.where(House.id.in_(knn.limit((offset + limit) * CANDIDATES)))
    return query.add_columns(away).order_by(away, House.id).offset(offset).limit(limit)
