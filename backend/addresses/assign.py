"""Assign every address to the grid whose polygon covers its point, in the database."""

from sqlalchemy import text

from backend import audit
from backend.extensions import db

# PostGIS: a spatial join; for each grid the GiST index on addresses.point finds its points.
PG_ASSIGN = """
UPDATE addresses a SET grid_id = g.id, scope_code = g.code
FROM regions g
WHERE g.level = 'grid' AND g.boundary IS NOT NULL AND ST_Covers(g.boundary, a.point)
  AND (a.grid_id IS DISTINCT FROM g.id OR a.scope_code <> g.code)
"""
# Addresses whose grid no longer covers them (grid moved or removed) fall back to their region.
PG_ORPHANS = """
UPDATE addresses a SET grid_id = NULL, scope_code = r.code
FROM regions r
WHERE r.id = a.region_id AND (
  (a.grid_id IS NOT NULL AND NOT EXISTS (
     SELECT 1 FROM regions g WHERE g.id = a.grid_id AND g.level = 'grid' AND ST_Covers(g.boundary, a.point)))
  OR (a.grid_id IS NULL AND a.scope_code <> r.code))
"""
# SpatiaLite uses an R*Tree only through the SpatialIndex virtual table, so the lookup names it.
SQLITE_CANDIDATES = """
CREATE TEMP TABLE assign_grid AS
SELECT a.id AS address_id, (
  SELECT g.id FROM regions g
  WHERE g.level = 'grid' AND g.boundary IS NOT NULL
    AND g.id IN (SELECT rowid FROM SpatialIndex
                 WHERE f_table_name = 'regions' AND f_geometry_column = 'boundary' AND search_frame = a.point)
    AND ST_Covers(g.boundary, a.point) = 1
  ORDER BY g.code LIMIT 1) AS grid_id
FROM addresses a
"""
SQLITE_APPLY = """
UPDATE addresses SET grid_id = (SELECT grid_id FROM assign_grid WHERE address_id = addresses.id)
WHERE grid_id IS NOT (SELECT grid_id FROM assign_grid WHERE address_id = addresses.id)
"""
SQLITE_SCOPE = """
UPDATE addresses SET scope_code = COALESCE(
  (SELECT code FROM regions WHERE id = addresses.grid_id), (SELECT code FROM regions WHERE id = addresses.region_id))
WHERE scope_code IS NOT COALESCE(
  (SELECT code FROM regions WHERE id = addresses.grid_id), (SELECT code FROM regions WHERE id = addresses.region_id))
"""
COUNTS = """
SELECT count(*) AS total, count(a.grid_id) AS assigned,
       sum(CASE WHEN a.grid_id IS NOT NULL AND g.code NOT LIKE r.code || '%' THEN 1 ELSE 0 END) AS outside_region
FROM addresses a JOIN regions r ON r.id = a.region_id LEFT JOIN regions g ON g.id = a.grid_id
"""


def _run(sql) -> int:
    return db.session.execute(text(sql)).rowcount


def assign_grids(actor=None) -> dict:
    """Re-assign addresses to grids; returns how many changed and the totals."""
    db.session.flush()
    if db.engine.dialect.name == "postgresql":
        changed = _run(PG_ASSIGN) + _run(PG_ORPHANS)
    else:
        _run("DROP TABLE IF EXISTS temp.assign_grid")
        _run(SQLITE_CANDIDATES)
        _run("CREATE UNIQUE INDEX temp.ix_assign_grid ON assign_grid (address_id)")
        changed = _run(SQLITE_APPLY)
        _run(SQLITE_SCOPE)
        _run("DROP TABLE temp.assign_grid")
    db.session.expire_all()
    row = db.session.execute(text(COUNTS)).one()
    result = {
        "changed": changed,
        "total": row.total,
        "assigned": row.assigned,
        "unassigned": row.total - row.assigned,
        "outside_region": int(row.outside_region or 0),
    }
    audit.record("addresses.assign_grids", actor=actor, **result)
    return result
