"""Import region boundaries from GeoJSON: Shapely validates every feature before anything is written."""

import json

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select

from backend import audit
from backend.errors import ValidationError
from backend.extensions import db
from backend.geo.shapes import ShapeError, check_inside, crs_is_wgs84, overlap_share, polygon_from_geojson
from backend.regions.importer import apply_rows, existing_levels
from backend.regions.models import Region
from backend.regions.validate import RegionRow, validate_rows
from backend.rejects import ImportRejected, Reject

# Siblings may share edges; more than this share of overlap means an address could fall in two.
MAX_SIBLING_OVERLAP = 0.001


def read_features(path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:  # ValueError: JSONDecodeError, UnicodeDecodeError
        raise ValidationError("error.geojson_unreadable", detail=str(exc)) from exc
    if doc.get("type") != "FeatureCollection":
        raise ValidationError("error.geojson_not_collection")
    if not crs_is_wgs84(doc):
        raise ValidationError("error.geojson_crs", crs=json.dumps(doc.get("crs"), ensure_ascii=False))
    return doc.get("features") or []


def _region_rows(features, rejects) -> list[RegionRow]:
    """Features that define a region (name + level) become rows for the region validator."""
    rows = []
    for n, feat in enumerate(features, start=1):
        props = feat.get("properties") or {}
        code = str(props.get("code") or "").strip()
        if not code:
            rejects.append(Reject(n, "", "reject.code_missing"))
        elif props.get("level"):
            name, level, parent = (str(props.get(k) or "").strip() for k in ("name", "level", "parent_code"))
            rows.append(RegionRow(n, code, name, level, parent))
    return rows


def _shapes(features, known: set[str], rejects) -> dict[str, tuple[int, object]]:
    """code -> (feature number, MultiPolygon) for features whose geometry is sound."""
    shapes = {}
    for n, feat in enumerate(features, start=1):
        code = str((feat.get("properties") or {}).get("code") or "").strip()
        if not code or any(r.line == n for r in rejects):
            continue
        if code not in known:
            rejects.append(Reject(n, code, "reject.unknown_region"))
            continue
        try:
            shapes[code] = (n, polygon_from_geojson(feat.get("geometry")))
        except ShapeError as err:
            rejects.append(Reject(n, code, err.key, err.params))
    return shapes


def _check_nesting(shapes, parents: dict[str, str | None], rejects) -> None:
    """Each shape lies inside its parent's (from the file, else the database) and overlaps no sibling."""
    stored = {
        r.code: to_shape(r.boundary) for r in db.session.scalars(select(Region).where(Region.boundary.isnot(None)))
    }
    boundary = {**stored, **{code: geom for code, (_, geom) in shapes.items()}}
    for code, (n, geom) in shapes.items():
        parent = parents.get(code)
        try:
            if parent and parent in boundary:
                check_inside(geom, boundary[parent])
            for other, other_geom in boundary.items():
                if (
                    other != code
                    and parents.get(other) == parent
                    and overlap_share(geom, other_geom) > MAX_SIBLING_OVERLAP
                ):
                    raise ShapeError("reject.geometry_overlaps", other=other)
        except ShapeError as err:
            rejects.append(Reject(n, code, err.key, err.params))


def import_boundaries(path, actor=None) -> dict:
    """Create/update the regions the file defines and set their boundaries, or raise ImportRejected."""
    features = read_features(path)
    rejects: list[Reject] = []
    rows = _region_rows(features, rejects)
    good_rows, row_rejects = validate_rows(rows, existing_levels())
    rejects += row_rejects
    known = set(existing_levels()) | {r.code for r in good_rows}
    shapes = _shapes(features, known, rejects)
    parents = dict(db.session.execute(select(Region.code, Region.parent_id)).all())
    by_id = dict(db.session.execute(select(Region.id, Region.code)).all())
    parents = {code: by_id.get(pid) for code, pid in parents.items()}
    parents.update({r.code: r.parent_code or None for r in good_rows})
    _check_nesting(shapes, parents, rejects)
    if rejects:
        raise ImportRejected(sorted(rejects, key=lambda r: r.line))
    if good_rows:
        apply_rows(good_rows, actor=actor)
    regions = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(list(shapes))))}
    for code, (_, geom) in shapes.items():
        regions[code].boundary = from_shape(geom, srid=4326)
    db.session.flush()
    audit.record("regions.import_boundaries", actor=actor, boundaries=len(shapes), regions_defined=len(good_rows))
    return {"boundaries": len(shapes), "regions_defined": len(good_rows)}
