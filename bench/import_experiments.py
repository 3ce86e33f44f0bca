"""Where does import_file's time go, and what would the recommended changes gain? (PostgreSQL only)

    .venv/bin/python bench/import_experiments.py --addresses 100000 --grids 400 [--database-url URL]

Uses the files bench/addresses_bench.py generated (run it first) and its own database `menpai_bench_exp`
(wiped each run). Nothing in backend/ is changed: the variants are measured here, side by side.
  build    building the row dicts (importer._values) as today, and with text.normalise memoised
           in-process (functools.lru_cache): the cost of re-normalising the same strings ~21× per row
  write    the same rows written (i) as today: importer._upsert, 5000-row executemany batches of
           INSERT … ON CONFLICT, and (ii) COPY into a temp staging table + one INSERT … SELECT … ON CONFLICT;
           each into an empty table (first import) and again over the existing rows (re-import = updates);
           (iii) as (ii) with the covering grid looked up in the same INSERT (then assign_grids: 0 changed)
Result: bench/out/import-experiments-<N>.json.
"""

import argparse
import functools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from addresses_bench import default_url, log, peak_rss_mb, wipe  # noqa: E402

COLUMNS = ("code", "region_id", "scope_code", "road", "door_number", "compound", "building", "unit", "floor", "room")
STAGE = f"""
CREATE TEMP TABLE address_stage ({", ".join(f"{c} {'int' if c == 'region_id' else 'text'}" for c in COLUMNS)},
  full_text text, search_text text, lon float8, lat float8) ON COMMIT DROP
"""
UPDATED = (*COLUMNS[1:], "full_text", "search_text", "point", "updated_at")
MERGE = f"""
INSERT INTO addresses ({", ".join(COLUMNS)}, full_text, search_text, point, created_at, updated_at)
SELECT {", ".join(COLUMNS)}, full_text, search_text, ST_SetSRID(ST_MakePoint(lon, lat), 4326), %(now)s, %(now)s
FROM address_stage
ON CONFLICT (code) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATED)}
"""

# Variant: look the grid up while inserting (GiST on regions.boundary), so no row is written twice.
_SOURCE = ", ".join("COALESCE(g.code, s.scope_code)" if c == "scope_code" else f"s.{c}" for c in COLUMNS)
MERGE_WITH_GRID = f"""
INSERT INTO addresses ({", ".join(COLUMNS)}, full_text, search_text, point, grid_id, created_at, updated_at)
SELECT {_SOURCE}, s.full_text, s.search_text, s.geom, g.id, %(now)s, %(now)s
FROM (SELECT *, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom FROM address_stage) s
LEFT JOIN LATERAL (
  SELECT id, code FROM regions g
  WHERE g.level = 'grid' AND g.boundary IS NOT NULL AND ST_Covers(g.boundary, s.geom)
  ORDER BY g.code LIMIT 1) g ON true
ON CONFLICT (code) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in (*UPDATED, "grid_id"))}
"""


def build_rows(importer, path, regions, now):
    fields = [f for _, f in importer.read_rows(path)]
    t = time.perf_counter()
    rows = [importer._values(f, regions, now) for f in fields]
    return fields, rows, time.perf_counter() - t


def write_executemany(db, importer, rows) -> float:
    t = time.perf_counter()
    for i in range(0, len(rows), importer.BATCH):
        importer._upsert(rows[i : i + importer.BATCH])
    db.session.commit()
    return time.perf_counter() - t


def write_copy(db, fields, rows, now, merge=MERGE) -> tuple[float, float]:
    """(seconds for COPY into staging, seconds for the whole write incl. INSERT … ON CONFLICT + commit)."""
    t = time.perf_counter()
    conn = db.session.connection().connection.driver_connection  # the psycopg connection, same transaction
    with conn.cursor() as cur:
        cur.execute(STAGE)
        cols = (*COLUMNS, "full_text", "search_text", "lon", "lat")
        with cur.copy(f"COPY address_stage ({', '.join(cols)}) FROM STDIN") as copy:
            for f, r in zip(fields, rows, strict=True):
                copy.write_row((*(r[c] for c in COLUMNS), r["full_text"], r["search_text"], f["lon"], f["lat"]))
        t_copy = time.perf_counter() - t
        cur.execute(merge, {"now": now})
    db.session.commit()
    return t_copy, time.perf_counter() - t


def main(argv=None):
    import flask_migrate
    from sqlalchemy import text

    from backend import create_app
    from backend.addresses import importer
    from backend.addresses import text as address_text
    from backend.addresses.assign import assign_grids
    from backend.extensions import db
    from backend.regions.boundaries import import_boundaries
    from backend.regions.importer import import_csv
    from backend.types import utcnow

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--grids", type=int, default=400)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    manifest = json.loads((OUT / f"addresses-{args.addresses}-g{args.grids}-manifest.json").read_text())
    url = args.database_url or default_url("menpai_bench_exp")
    wipe(url, False)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    result = {"addresses": args.addresses, "build": {}, "write": {}}
    with app.app_context():
        flask_migrate.upgrade()
        import_csv(ROOT / "backend" / "data" / "divisions-zhejiang.csv")
        import_boundaries(manifest["geojson"])
        db.session.commit()
        regions, now, path = importer.region_index(), utcnow(), manifest["csv"]

        log("build: _values as today")
        fields, rows, base = build_rows(importer, path, regions, now)
        original = address_text.normalise
        address_text.normalise = functools.lru_cache(maxsize=1 << 16)(original)
        try:
            log("build: _values with text.normalise memoised")
            _, cached_rows, cached = build_rows(importer, path, regions, now)
            info = address_text.normalise.cache_info()
        finally:
            address_text.normalise = original
        same = all(
            a["full_text"] == b["full_text"] and a["search_text"] == b["search_text"]
            for a, b in zip(rows, cached_rows, strict=True)
        )
        del cached_rows
        result["build"] = {
            "today_s": round(base, 2),
            "memoised_normalise_s": round(cached, 2),
            "identical_output": same,
            "cache": {"hits": info.hits, "misses": info.misses},
        }
        log(f"build: {result['build']}")

        def empty():
            db.session.execute(text("TRUNCATE addresses RESTART IDENTITY CASCADE"))
            db.session.commit()

        write = result["write"]
        empty()
        log("write: executemany into empty table")
        write["executemany_insert_s"] = round(write_executemany(db, importer, rows), 2)
        log("write: executemany over existing rows")
        write["executemany_reimport_s"] = round(write_executemany(db, importer, rows), 2)
        empty()
        log("write: COPY + INSERT … SELECT into empty table")
        copy_s, total_s = write_copy(db, fields, rows, now)
        write["copy_insert_s"], write["copy_insert_copy_part_s"] = round(total_s, 2), round(copy_s, 2)
        log("write: COPY + INSERT … SELECT over existing rows")
        copy_s, total_s = write_copy(db, fields, rows, now)
        write["copy_reimport_s"], write["copy_reimport_copy_part_s"] = round(total_s, 2), round(copy_s, 2)
        n = db.session.execute(text("SELECT count(*) FROM addresses")).scalar()
        write["rows_in_table"] = n
        empty()
        log("write: COPY + INSERT … SELECT with the grid looked up in the same statement")
        copy_s, total_s = write_copy(db, fields, rows, now, MERGE_WITH_GRID)
        write["copy_insert_with_grid_s"] = round(total_s, 2)
        t = time.perf_counter()
        check = assign_grids()
        db.session.commit()
        write["assign_after_copy_with_grid_s"] = round(time.perf_counter() - t, 2)
        write["assign_after_copy_with_grid"] = check  # changed == 0: same result as assign_grids
        log(f"write: {write}")
        db.session.remove()
        db.engine.dispose()
    result["peak_rss_mb"] = peak_rss_mb()
    out = OUT / f"import-experiments-{args.addresses}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
