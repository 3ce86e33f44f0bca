"""Import standard addresses from CSV, .xlsx or GeoJSON: validate every row, then upsert by code in batches.

A CSV may be UTF-8 or GB18030 (detected, or named by `encoding`); an .xlsx is read from its first sheet.
"""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backend import audit
from backend.addresses import text
from backend.addresses.models import COMPONENTS, Address
from backend.errors import ValidationError
from backend.extensions import db
from backend.geo.shapes import ShapeError, check_point
from backend.geo.sql import point
from backend.regions.models import Region
from backend.rejects import ImportRejected, Reject
from backend.tabular import detect_encoding, open_table
from backend.types import utcnow

CSV_COLUMNS = ("code", "region_code", *COMPONENTS, "lon", "lat")
REQUIRED = ("code", "region_code", "road", "door_number")
ADDRESS_LEVELS = ("township", "community")
CODE_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,40}$")
BATCH = 5000


def read_rows(path, encoding: str | None = None) -> Iterator[tuple[int, dict]]:
    """(line or feature number, fields) from a .csv, an .xlsx or a .geojson/.json file."""
    path = Path(path)
    if _is_geojson(path):
        yield from _geojson_rows(path)
    else:
        yield from _table_rows(path, encoding)


def file_encoding(path) -> str | None:
    """The encoding a CSV will be read in (detected once for the passes over it); None for other formats."""
    path = Path(path)
    return None if _is_geojson(path) or path.suffix.lower() in (".xlsx", ".xlsm", ".xls") else detect_encoding(path)


def _is_geojson(path: Path) -> bool:
    return path.suffix.lower() in (".geojson", ".json")


def _table_rows(path, encoding):
    with open_table(path, encoding) as table:
        missing = [c for c in (*REQUIRED, "lon", "lat") if c not in table.fieldnames]
        if missing:
            raise ValidationError("error.csv_columns", missing=", ".join(missing), want=",".join(CSV_COLUMNS))
        for line, row in table.rows:
            yield line, {k: row.get(k, "") for k in CSV_COLUMNS}


def _geojson_rows(path):
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: JSONDecodeError, UnicodeDecodeError
        raise ValidationError("error.geojson_unreadable", detail=str(exc)) from exc
    for n, feat in enumerate(doc.get("features") or [], start=1):
        props = {k: str(v).strip() for k, v in (feat.get("properties") or {}).items() if v is not None}
        geom = feat.get("geometry") or {}
        coords = geom.get("coordinates") if geom.get("type") == "Point" else None
        lon, lat = [*coords, None, None][:2] if isinstance(coords, list) else ("", "")
        yield n, {**{k: props.get(k, "") for k in CSV_COLUMNS}, "lon": str(lon), "lat": str(lat)}


def region_index() -> dict[str, tuple[int, str, list[str]]]:
    """code -> (id, level, names from province down) for every region."""
    rows = db.session.execute(select(Region.id, Region.code, Region.name, Region.level, Region.parent_id)).all()
    by_id = {r.id: r for r in rows}

    def names(r):
        chain = []
        while r is not None:
            chain.append(r.name)
            r = by_id.get(r.parent_id)
        return chain[::-1]

    return {r.code: (r.id, r.level, names(r)) for r in rows}


def check_row(fields: dict, regions: dict):
    """(key, params) of the first problem with one address row, or None."""
    for name in REQUIRED:
        if not fields.get(name):
            return "reject.field_missing", {"field": name}
    if not CODE_PATTERN.match(fields["code"]):
        return "reject.address_code", {}
    region = regions.get(fields["region_code"])
    if region is None:
        return "reject.unknown_region", {}
    if region[1] not in ADDRESS_LEVELS:
        return "reject.address_region_level", {"level": region[1]}
    try:
        lon, lat = float(fields["lon"]), float(fields["lat"])
    except ValueError:
        return "reject.point_unreadable", {}
    try:
        check_point(lon, lat)
    except ShapeError as err:
        return err.key, err.params
    return None


def _values(fields: dict, regions: dict, now) -> dict:
    """One row to write: the table's columns, with the point as lon/lat (each writer makes the geometry)."""
    region_id, _, names = regions[fields["region_code"]]
    comp = {c: (fields.get(c) or None) for c in COMPONENTS}
    full, search = text.texts(names, comp)
    return {
        "code": fields["code"],
        "region_id": region_id,
        "scope_code": fields["region_code"],
        **comp,
        "full_text": full,
        "search_text": search,
        "lon": float(fields["lon"]),
        "lat": float(fields["lat"]),
        "created_at": now,
        "updated_at": now,
    }


# Columns a re-import overwrites; id, code, created_at and grid_id stay (the grid is re-assigned after).
KEEP = frozenset({"id", "code", "created_at", "grid_id"})
UPDATED = tuple(c.name for c in Address.__table__.columns if c.name not in KEEP)
# Columns the importer writes, as _values gives them (the point as lon, lat).
WRITTEN = ("code", *(c for c in UPDATED if c != "point"), "created_at")
STAGING = "addresses_staging"


def _upsert(rows: list[dict]) -> None:
    """Write one batch: INSERT … ON CONFLICT (code) DO UPDATE, so a re-import updates rows in place."""
    if db.session.get_bind().dialect.name == "postgresql":
        _upsert_copy(rows)
    else:
        _upsert_executemany(rows)


def _upsert_executemany(rows: list[dict]) -> None:
    """Any backend (SQLite): one executemany of the batch."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Address.__table__)
    stmt = stmt.on_conflict_do_update(index_elements=["code"], set_={c: stmt.excluded[c] for c in UPDATED})
    db.session.execute(stmt, [_with_point(r) for r in rows])


def _with_point(row: dict) -> dict:
    out = {k: v for k, v in row.items() if k not in ("lon", "lat")}
    out["point"] = point(row["lon"], row["lat"])
    return out


_STAGE_SQL = (
    f"CREATE TEMP TABLE {STAGING} ON COMMIT DROP AS "
    f"SELECT {', '.join(WRITTEN)}, NULL::float8 AS lon, NULL::float8 AS lat FROM addresses WITH NO DATA"
)
_COPY_SQL = f"COPY {STAGING} ({', '.join(WRITTEN)}, lon, lat) FROM STDIN"
_MERGE_SQL = (
    f"INSERT INTO addresses ({', '.join(WRITTEN)}, point) "
    f"SELECT {', '.join(WRITTEN)}, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM {STAGING} "
    f"ON CONFLICT (code) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in UPDATED)}"
)


def _upsert_copy(rows: list[dict]) -> None:
    """PostgreSQL: COPY the batch into a temporary staging table, then one INSERT … SELECT … ON CONFLICT.

    Runs on the session's own connection and transaction, so the import stays all-or-nothing; the staging
    table is dropped after the batch (and by ON COMMIT DROP / rollback if the batch fails half-way).
    """
    columns = (*WRITTEN, "lon", "lat")
    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur:
        cur.execute(_STAGE_SQL)
        with cur.copy(_COPY_SQL) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cur.execute(_MERGE_SQL)
        cur.execute(f"DROP TABLE {STAGING}")


def import_file(
    path,
    actor=None,
    accept_valid=False,
    progress: Callable[[int], None] | None = None,
    encoding: str | None = None,
) -> dict:
    """Validate the whole file, then upsert by code. With rejects nothing is written unless accept_valid."""
    encoding = encoding or file_encoding(path)
    regions = region_index()
    rejects, seen, total = [], {}, 0
    for line, fields in read_rows(path, encoding):
        total += 1
        problem = check_row(fields, regions)
        if problem is None and fields["code"] in seen:
            problem = "reject.duplicate_code", {"first": seen[fields["code"]]}
        if problem:
            rejects.append(Reject(line, fields.get("code", ""), *problem))
        else:
            seen[fields["code"]] = line
        if progress and total % 1000 == 0:
            progress(1000)
    if rejects and not accept_valid:
        raise ImportRejected(rejects)
    bad_lines = {r.line for r in rejects}
    now, batch, written = utcnow(), [], 0
    for line, fields in read_rows(path, encoding):
        if line in bad_lines:
            continue
        batch.append(_values(fields, regions, now))
        if len(batch) == BATCH:
            _upsert(batch)
            written += len(batch)
            progress and progress(len(batch))
            batch = []
    if batch:
        _upsert(batch)
        written += len(batch)
        progress and progress(len(batch))
    audit.record("addresses.import", actor=actor, file=Path(path).name, written=written, rejected=len(rejects))
    return {"rows": total, "written": written, "rejects": rejects}
