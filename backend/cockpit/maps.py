"""Maps of the cockpit: a heat map of square cells counted in the database, and grid polygons with a measure.

Cells are floor(lon / size), floor(lat / size) of the address points, grouped in SQL (from the BASE_CELL aggregates
of backend/cockpit/models.py when size is a multiple of it): no point ever leaves the
database. A cell with fewer than MIN_CELL_COUNT people, or with people in fewer than MIN_CELL_HOUSES houses, could
point at one household: it is not drawn; its count is added to `suppressed` so the totals still add up.
"""

import math

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import Float, cast, func, select

from backend.addresses.models import Address
from backend.auth.scope import within as _within
from backend.cockpit.models import BASE_CELL, CellStats
from backend.extensions import db
from backend.fire.models import OPEN, FireNotice
from backend.geo.sql import cell_index
from backend.houses.colour import colour_expr
from backend.houses.models import LIVE, House
from backend.obligations.models import Obligation
from backend.overdue import obligation_overdue
from backend.regions.models import CODE_LENGTH, Region
from backend.tenancy.models import Tenancy
from backend.verification.models import UNVERIFIED, VerificationTask

HEAT_MEASURES = ("houses", "tenants")
GRID_MEASURES = ("houses", "tenants", "red", "yellow", "backlog", "notices_open", "obligations_overdue")
MIN_CELL_COUNT = 3
MIN_CELL_HOUSES = 2
SIMPLIFY_DEGREES = 0.00005  # ~5 m: invisible at a grid's scale, a fraction of the vertices


def _cells_live(prefix: str, measure: str, size: float):
    x = cell_index(func.ST_X(Address.point), size).label("x")
    y = cell_index(func.ST_Y(Address.point), size).label("y")
    if measure == "houses":
        query = select(x, y, func.count(House.id), func.count(House.id)).where(House.status.in_(LIVE))
        query = query.select_from(House)
    else:
        query = select(x, y, func.count(Tenancy.id), func.count(func.distinct(House.id)))
        query = query.select_from(Tenancy).join(House, Tenancy.house_id == House.id).where(Tenancy.status == "active")
    query = query.join(Address, House.address_id == Address.id).where(_within(House.scope_code, prefix))
    return db.session.execute(query.group_by(x, y).order_by(x, y)).all()


def _cells_aggregated(prefix: str, measure: str, k: int):
    """The same rows from the BASE_CELL aggregates: cell = floor(base index / k), exact in integers."""
    c = CellStats
    # As floats: an integer divided by k and floored is exact in a double for any real cell index.
    x = cell_index(cast(c.bx, Float), k).label("x")
    y = cell_index(cast(c.by, Float), k).label("y")
    n, houses = (
        (func.sum(c.houses), func.sum(c.houses))
        if measure == "houses"
        else (func.sum(c.tenants), func.sum(c.tenant_houses))
    )
    query = select(x, y, n, houses).where(_within(c.scope_code, prefix)).group_by(x, y).having(n > 0)
    return [(cx, cy, int(a), int(b)) for cx, cy, a, b in db.session.execute(query.order_by(x, y))]


def heat_cells(prefix: str, measure: str, size: float) -> dict:
    """Cells [lon centre, lat centre, count] of live houses or active tenants in the region.

    A size that is a whole multiple of BASE_CELL (the default 0.005 is 2×) is summed from the cockpit
    aggregates (as of the last `flask cockpit refresh`); any other size is counted live over the addresses.
    """
    k = round(size / BASE_CELL)
    if k >= 1 and math.isclose(k * BASE_CELL, size, rel_tol=1e-9):
        rows = _cells_aggregated(prefix, measure, k)
    else:
        rows = _cells_live(prefix, measure, size)
    cells, hidden, hidden_cells = [], 0, 0
    for cx, cy, n, houses in rows:
        if measure == "tenants" and (n < MIN_CELL_COUNT or houses < MIN_CELL_HOUSES):
            hidden, hidden_cells = hidden + n, hidden_cells + 1
            continue
        cells.append([round((cx + 0.5) * size, 6), round((cy + 0.5) * size, 6), n])
    return {
        "measure": measure,
        "cell": size,
        "cells": cells,
        "total": sum(c[2] for c in cells) + hidden,
        "suppressed": {"cells": hidden_cells, "count": hidden},
        "min_count": MIN_CELL_COUNT if measure == "tenants" else 1,
    }


def _per_grid(measure: str, prefix: str) -> dict[str, int]:
    grid = func.substr(House.scope_code, 1, CODE_LENGTH["grid"])
    in_region = _within(House.scope_code, prefix)
    if measure == "houses":
        query = select(grid, func.count()).select_from(House).where(House.status.in_(LIVE))
    elif measure in ("red", "yellow"):
        query = select(grid, func.count()).select_from(House).where(colour_expr(bulk=True) == measure)
    elif measure == "tenants":
        query = select(grid, func.count()).select_from(Tenancy).join(House, Tenancy.house_id == House.id)
        query = query.where(Tenancy.status == "active")
    elif measure == "backlog":
        grid = func.substr(VerificationTask.scope_code, 1, CODE_LENGTH["grid"])
        in_region = _within(VerificationTask.scope_code, prefix)
        query = select(grid, func.count()).select_from(VerificationTask).where(VerificationTask.state.in_(UNVERIFIED))
    elif measure == "notices_open":
        query = select(grid, func.count()).select_from(FireNotice).join(House, FireNotice.house_id == House.id)
        query = query.where(FireNotice.status.in_(OPEN))
    else:
        query = select(grid, func.count()).select_from(Obligation).join(House, Obligation.house_id == House.id)
        query = query.where(obligation_overdue())
    return dict(db.session.execute(query.where(in_region).group_by(grid)).all())


def grid_features(region: Region | None, measure: str) -> dict:
    """A FeatureCollection of the grids in the region (simplified), each with `value` = the measure there."""
    prefix = region.code if region else ""
    if region is not None and region.level == "grid":
        grids = [region]
    else:
        grids = db.session.scalars(
            select(Region).where(Region.level == "grid", _within(Region.code, prefix)).order_by(Region.code)
        ).all()
    values = _per_grid(measure, prefix)
    features = []
    for g in grids:
        if g.boundary is None:
            continue
        shape = to_shape(g.boundary).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": g.code, "name": g.name, "value": values.get(g.code, 0)},
                "geometry": mapping(shape),
            }
        )
    return {"type": "FeatureCollection", "measure": measure, "features": features}
