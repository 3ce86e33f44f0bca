"""Browse the region tree inside one's scope; find the grid at a point."""

from flask import request
from flask_login import current_user
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import select

from backend.api.routing import float_arg, route
from backend.auth.models import STAFF_ROLES
from backend.auth.scope import require_in_scope, scope_code, scope_filter
from backend.errors import NotFound
from backend.extensions import db
from backend.geo.shapes import ShapeError, check_point
from backend.geo.sql import point
from backend.regions import cli
from backend.regions import contracts as c
from backend.regions.models import Region
from backend.regions.serialise import region_ref


def region_json(region: Region, geometry=False) -> dict:
    body = {
        **region_ref(region),
        "parent": region_ref(region.parent),
        "ancestors": [region_ref(a) for a in region.ancestors()],
        "children": [region_ref(c) for c in region.children],
        "has_boundary": region.boundary is not None,
    }
    if geometry:
        body["boundary"] = mapping(to_shape(region.boundary)) if region.boundary is not None else None
    return body


@route("/regions", summary="The roots of my scope", tag="regions", roles=STAFF_ROLES, response=c.RegionList)
def region_roots():
    prefix = scope_code(current_user)
    stmt = (
        select(Region).where(Region.parent_id.is_(None))
        if prefix == ""
        else select(Region).where(Region.code == prefix)
    )
    return {"regions": [region_ref(r) for r in db.session.scalars(stmt.order_by(Region.code))]}


@route(
    "/regions/<code>",
    summary="A region with its ancestors and children",
    tag="regions",
    roles=STAFF_ROLES,
    params=[("geometry", "boolean", False, "Include the boundary as GeoJSON")],
    response=c.Region,
    errors=(404,),
)
def region_detail(code):
    require_in_scope(current_user, code)
    region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound()
    return region_json(region, geometry=request.args.get("geometry") in ("1", "true"))


@route(
    "/grids/at",
    summary="The grid whose polygon contains a WGS84 point",
    tag="regions",
    roles=STAFF_ROLES,
    params=[("lon", "number", True, "Longitude (WGS84)"), ("lat", "number", True, "Latitude (WGS84)")],
    response=c.GridAt,
    errors=(400, 404),
)
def grid_at():
    lon, lat = float_arg("lon"), float_arg("lat")
    try:
        check_point(lon, lat)
    except ShapeError as err:
        raise NotFound(err.key, code="outside_coverage", **err.params) from None
    grid = db.session.scalar(
        select(Region)
        .where(
            Region.level == "grid", Region.boundary.ST_Covers(point(lon, lat)), scope_filter(current_user, Region.code)
        )
        .order_by(Region.code)
        .limit(1)
    )
    return {"grid": region_ref(grid), "ancestors": [region_ref(a) for a in grid.ancestors()] if grid else []}


def init_app(app):
    """Regions: the division tree, grids and their boundaries."""
    cli.init_app(app)
