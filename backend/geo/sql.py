"""Spatial SQL that compiles to PostGIS or SpatiaLite: one helper per idea, two dialects."""

from geoalchemy2 import Geometry, WKTElement
from geoalchemy2.elements import _SpatialElement
from sqlalchemy import Float, Integer, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Boolean


def point(lon: float, lat: float) -> WKTElement:
    """A WGS84 point value for a Geometry column or a spatial function."""
    return WKTElement(f"POINT({lon!r} {lat!r})", srid=4326)


class _SpatialFunction(FunctionElement):
    """Binds geometry values (WKT/WKB elements) as geometries, like GeoAlchemy2's own functions do."""

    inherit_cache = True

    def __init__(self, *args):
        super().__init__(
            *(bindparam(None, a, type_=Geometry(srid=4326)) if isinstance(a, _SpatialElement) else a for a in args)
        )


class dwithin(_SpatialFunction):
    """True where two WGS84 geometries are within `metres` on the ellipsoid."""

    inherit_cache = True
    type = Boolean()


@compiles(dwithin, "postgresql")
def _dwithin_pg(element, compiler, **kw):
    a, b, metres = (compiler.process(c, **kw) for c in element.clauses)
    return f"ST_DWithin(CAST({a} AS geography), CAST({b} AS geography), {metres})"


@compiles(dwithin, "sqlite")
def _dwithin_sqlite(element, compiler, **kw):
    # SpatiaLite 5.0 has no ST_DWithin; PtDistWithin(…, 1) measures on the ellipsoid and gives the same rows.
    a, b, metres = (compiler.process(c, **kw) for c in element.clauses)
    return f"PtDistWithin({a}, {b}, {metres}, 1)"


class distance_m(_SpatialFunction):
    """Distance in metres between two WGS84 geometries."""

    inherit_cache = True
    type = Float()


@compiles(distance_m, "postgresql")
def _distance_pg(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"ST_Distance(CAST({a} AS geography), CAST({b} AS geography))"


@compiles(distance_m, "sqlite")
def _distance_sqlite(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"ST_Distance({a}, {b}, 1)"


class cell_index(FunctionElement):
    """floor(value / size) as an integer (SQLite has no floor() without its math extension)."""

    inherit_cache = True
    type = Integer()


@compiles(cell_index, "postgresql")
def _cell_pg(element, compiler, **kw):
    value, size = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(floor(({value}) / ({size})) AS INTEGER)"


@compiles(cell_index, "sqlite")
def _cell_sqlite(element, compiler, **kw):
    value, size = (compiler.process(c, **kw) for c in element.clauses)
    q = f"(({value}) / ({size}))"
    return f"(CAST({q} AS INTEGER) - (CAST({q} AS INTEGER) > {q}))"
