"""Pure geometry checks with Shapely: no Flask, no database."""

from shapely import make_valid
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.validation import explain_validity

WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
    "urn:ogc:def:crs:EPSG:4326",
}
# Rough bounds of China: a point outside is almost always swapped or projected coordinates.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
# ~0.1 m at these latitudes: shared edges computed in floating point must still count as inside.
EDGE_TOLERANCE_DEG = 1e-6


class ShapeError(ValueError):
    """A geometry problem, with a translation key and its parameters."""

    def __init__(self, key, **params):
        super().__init__(key)
        self.key, self.params = key, params


def crs_is_wgs84(geojson: dict) -> bool:
    """RFC 7946 GeoJSON is WGS84; an old-style 'crs' member may say otherwise."""
    crs = geojson.get("crs")
    if not crs:
        return True
    name = (crs.get("properties") or {}).get("name", "")
    return name in WGS84_NAMES


def _in_degrees(geom) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def polygon_from_geojson(geometry: dict) -> MultiPolygon:
    """A valid, non-empty WGS84 MultiPolygon, or ShapeError saying why not."""
    if not geometry:
        raise ShapeError("reject.geometry_missing")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise ShapeError("reject.geometry_unreadable", detail=str(exc)) from exc
    if not isinstance(geom, (Polygon, MultiPolygon)):
        raise ShapeError("reject.geometry_not_polygon", type=geom.geom_type)
    if geom.is_empty:
        raise ShapeError("reject.geometry_empty")
    if not _in_degrees(geom):
        raise ShapeError("reject.geometry_not_wgs84")
    if not geom.is_valid:
        raise ShapeError("reject.geometry_invalid", detail=explain_validity(geom))
    if geom.area == 0:
        raise ShapeError("reject.geometry_empty")
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def check_inside(child, parent) -> None:
    """ShapeError unless child lies inside parent (up to floating-point slack on shared edges)."""
    if not child.covered_by(parent.buffer(EDGE_TOLERANCE_DEG)):
        outside = child.difference(parent).area / child.area
        raise ShapeError("reject.geometry_outside_parent", percent=f"{outside * 100:.1f}")


def overlap_share(a, b) -> float:
    """Share of a's area that b also covers."""
    if not a.intersects(b):
        return 0.0
    return make_valid(a.intersection(b)).area / a.area


def check_point(lon: float, lat: float) -> Point:
    """A WGS84 point inside China, or ShapeError saying what looks wrong."""
    minx, miny, maxx, maxy = CHINA_BOUNDS
    if minx <= lon <= maxx and miny <= lat <= maxy:
        return Point(lon, lat)
    if minx <= lat <= maxx and miny <= lon <= maxy:
        raise ShapeError("reject.point_swapped")
    raise ShapeError("reject.point_outside_china")
