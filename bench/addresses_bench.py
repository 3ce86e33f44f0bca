"""Benchmark the standard-address import and the in-database grid assignment.

    .venv/bin/python bench/addresses_bench.py --addresses 100000 --grids 400 [--database-url URL]

Default database: a PostGIS database `menpai_bench` (made by scripts/postgres.sh), wiped to an empty
schema + postgis and migrated on every run. A SQLite URL (sqlite:////abs/path/bench.db) runs the same
phases on SpatiaLite. A database whose name does not contain "bench" is only wiped with --yes-wipe.

Setup (timed, not the subject): wipe + migrate, import the real division CSV, generate the input in a child
process (bench/gen_addresses.py), import the community/grid boundaries. Then, timed separately:
  (a) import      addresses.importer.import_file (validation pass + batched upsert) + commit
  (b) assign      addresses.assign.assign_grids + commit (first assignment: ~every row changes)
  (c) reassign    assign_grids + commit again (nothing changed)
  (d) search      20 typed queries through addresses.search.search, median / p95 ms (PostgreSQL: then
                  EXPLAIN ANALYZE of one query per kind, and show_trgm of CJK text)
Progress goes to stderr; the result to bench/out/addresses-<N>.json (--profile: cProfile of phase (a)).
"""

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux: ru_maxrss is in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


class Progress:
    """import_file's progress callback: pass 1 (validation) reports N rows, pass 2 (upsert) N more."""

    def __init__(self, total: int, every_s: float = 10.0):
        self.total, self.done, self.every = total, 0, every_s
        self.t0 = self.last = time.perf_counter()

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            phase, k = ("validate", self.done) if self.done <= self.total else ("upsert", self.done - self.total)
            log(f"import {phase}: {k:,}/{self.total:,} ({k / self.total:.0%}) {now - self.t0:.1f} s")


class Timer:
    """Wrap a module function to add up the time spent in it (same function, same arguments)."""

    def __init__(self, module, name: str):
        self.module, self.name, self.original = module, name, getattr(module, name)
        self.calls, self.seconds, self.first_start = 0, 0.0, None

    def __enter__(self):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            self.first_start = self.first_start or t
            self.calls += 1
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t

        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc):
        setattr(self.module, self.name, self.original)


class CallTimes:
    """Record when each call of a generator function starts (read_rows: pass 1, then pass 2)."""

    def __init__(self, module, name: str):
        self.module, self.name, self.original, self.starts = module, name, getattr(module, name), []

    def __enter__(self):
        def timed(*args, **kwargs):
            self.starts.append(time.perf_counter())
            return self.original(*args, **kwargs)

        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc):
        setattr(self.module, self.name, self.original)


# --- database ------------------------------------------------------------------------------------


def default_url(name: str = "menpai_bench") -> str:
    log(f"scripts/postgres.sh {name}")
    out = subprocess.run(["bash", "scripts/postgres.sh", name], cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def wipe(url: str, yes: bool) -> None:
    """Empty schema + postgis (PostgreSQL) or no file (SQLite)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    if "bench" not in Path(name).name and not yes:
        raise SystemExit(f"refusing to wipe {name!r}: its name has no 'bench' in it (pass --yes-wipe)")
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.execute(text("CREATE EXTENSION postgis"))
    engine.dispose()


def pg_facts(db) -> dict:
    from sqlalchemy import text

    q = lambda sql: db.session.execute(text(sql)).scalar()  # noqa: E731
    settings = ("shared_buffers", "work_mem", "maintenance_work_mem", "max_wal_size", "synchronous_commit")
    return {
        "version": q("SHOW server_version"),
        "postgis": q("SELECT postgis_lib_version()"),
        **{s: q(f"SHOW {s}") for s in settings},
    }


def table_sizes(db) -> dict:
    from sqlalchemy import text

    rows = db.session.execute(
        text(
            "SELECT c.relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND (c.relname = 'addresses' OR c.relname LIKE '%addresses%') "
            "AND c.relkind IN ('r', 'i') ORDER BY 2 DESC"
        )
    ).all()
    return {name: round(b / 2**20, 1) for name, b in rows}


def explain(db, dialect: str) -> dict:
    """The plan of the assignment statements (PostgreSQL: PG_ASSIGN and PG_ORPHANS; SQLite: the candidates)."""
    from sqlalchemy import text

    from backend.addresses import assign

    def lines(sql):
        return [r[0] for r in db.session.execute(text(sql)).all()]

    if dialect == "postgresql":
        return {"assign": lines("EXPLAIN " + assign.PG_ASSIGN), "orphans": lines("EXPLAIN " + assign.PG_ORPHANS)}
    select_part = assign.SQLITE_CANDIDATES.split("AS\n", 1)[1]
    plan = db.session.execute(text("EXPLAIN QUERY PLAN " + select_part)).all()
    return {"candidates": [" ".join(str(c) for c in r) for r in plan]}


def explain_analyze(db) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of both PostgreSQL statements, rolled back (run when nothing changes)."""
    from sqlalchemy import text

    from backend.addresses import assign

    out = {}
    for key, sql in (("assign", assign.PG_ASSIGN), ("orphans", assign.PG_ORPHANS)):
        out[key] = [r[0] for r in db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)).all()]
        db.session.rollback()
    return out


def explain_search(db, samples: list[dict]) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of search()'s statement for the first sample query of each kind (PostgreSQL),
    and whether pg_trgm makes trigrams of CJK text in this database (it needs an LC_CTYPE other than C)."""
    from sqlalchemy import text

    from backend.addresses.search import search_statement

    out = {
        "lc_ctype": db.session.execute(
            text("SELECT datctype FROM pg_database WHERE datname = current_database()")
        ).scalar(),
        "show_trgm": db.session.execute(text("SELECT show_trgm('解放街12号')::text")).scalar(),
        "plans": {},
    }
    first_of_kind = {}
    for s in samples:
        first_of_kind.setdefault(s["kind"], s["query"])
    for query in first_of_kind.values():
        compiled = search_statement(query).compile(dialect=db.engine.dialect)  # the same statement, bound values
        rows = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params)
        out["plans"][query] = [r[0] for r in rows.all()]
        db.session.rollback()
    out["uses_trigram_index"] = all(
        any("Bitmap Index Scan on ix_addresses_search_text_trgm" in line for line in plan)
        for plan in out["plans"].values()
    )
    return out


def stats_state(db) -> dict:
    """Whether autovacuum had analysed addresses when the assignment ran (the plan depends on it)."""
    from sqlalchemy import text

    row = db.session.execute(
        text(
            "SELECT n_live_tup, n_mod_since_analyze, last_analyze, last_autoanalyze FROM pg_stat_user_tables "
            "WHERE relname = 'addresses'"
        )
    ).one_or_none()
    return {k: (str(v) if v is not None else None) for k, v in (row._mapping.items() if row else [])}


# --- phases ----------------------------------------------------------------------------------------


def generate(args) -> dict:
    """Input files from a child process (its memory is not this process's peak RSS); reused if present."""
    stem = f"addresses-{args.addresses}-g{args.grids}"
    manifest = OUT / f"{stem}-manifest.json"
    if manifest.exists() and not args.regenerate:
        info = json.loads(manifest.read_text())
        if info.get("seed") == args.seed and Path(info["csv"]).exists():
            log(f"reusing {info['csv']}")
            return {**info, "reused": True}
    log(f"generating {args.addresses:,} addresses / {args.grids:,} grids")
    cmd = [sys.executable, str(ROOT / "bench" / "gen_addresses.py"), "--addresses", str(args.addresses)]
    cmd += ["--grids", str(args.grids), "--townships", str(args.townships), "--seed", str(args.seed)]
    cmd += ["--grids-per-community", str(args.grids_per_community), "--out", str(OUT), "--manifest", str(manifest)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return {**json.loads(manifest.read_text()), "reused": False}


def phase_import(db, csv_path: str, n: int, profile: Path | None) -> dict:
    from backend.addresses import importer

    progress = Progress(n)
    prof = cProfile.Profile() if profile else None
    with Timer(importer, "_upsert") as upsert, CallTimes(importer, "read_rows") as reads:
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        result = importer.import_file(csv_path, progress=progress)
        t1 = time.perf_counter()
        db.session.commit()
        t2 = time.perf_counter()
        if prof:
            prof.disable()
    validate = reads.starts[1] - t0
    out = {
        "seconds": round(t2 - t0, 2),
        "rows_per_s": round(n / (t2 - t0)),
        "validate_pass_s": round(validate, 2),
        "write_pass_s": round(t1 - reads.starts[1], 2),
        "upsert_calls": upsert.calls,
        "upsert_s": round(upsert.seconds, 2),
        "build_rows_s": round(t1 - reads.starts[1] - upsert.seconds, 2),
        "commit_s": round(t2 - t1, 2),
        "rows": result["rows"],
        "written": result["written"],
        "rejects": len(result["rejects"]),
        "peak_rss_mb": peak_rss_mb(),
    }
    if prof:
        prof.dump_stats(profile)
        text = io.StringIO()
        stats = pstats.Stats(prof, stream=text)
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(45)
        profile.with_suffix(".txt").write_text(text.getvalue())
        out["profile"] = str(profile)
        out["note"] = "cProfile on: times above include profiler overhead"
    return out


class StatementTimes:
    """Wrap assign._run to time each SQL statement assign_grids issues (same statement, same session)."""

    def __init__(self, module):
        self.module, self.original, self.times = module, module._run, []

    def __enter__(self):
        def timed(sql):
            t = time.perf_counter()
            rows = self.original(sql)
            first = " ".join(sql.split())[:60]
            self.times.append({"sql": first, "seconds": round(time.perf_counter() - t, 2), "rowcount": rows})
            return rows

        self.module._run = timed
        return self

    def __exit__(self, *exc):
        self.module._run = self.original


def phase_assign(db) -> dict:
    from backend.addresses import assign

    t0 = time.perf_counter()
    with StatementTimes(assign) as statements:
        result = assign.assign_grids()
    t1 = time.perf_counter()
    db.session.commit()
    t2 = time.perf_counter()
    n = result["total"]
    return {
        "seconds": round(t2 - t0, 2),
        "rows_per_s": round(n / (t2 - t0)),
        "commit_s": round(t2 - t1, 2),
        "statements": statements.times,
        "counts_and_audit_s": round(t1 - t0 - sum(x["seconds"] for x in statements.times), 2),
        "result": result,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_search(db, samples: list[dict]) -> dict:
    from backend.addresses.search import search

    search("平阳县 人民路 1号")  # warm-up (not timed): the first scan reads the table into the cache
    db.session.rollback()
    runs = []
    for s in samples:
        t0 = time.perf_counter()
        found = search(s["query"])
        ms = (time.perf_counter() - t0) * 1000
        codes = [a.code for a, _ in found]
        rank = codes.index(s["code"]) + 1 if s["code"] in codes else None
        runs.append({**s, "ms": round(ms, 1), "results": len(found), "rank": rank})
        db.session.rollback()
        db.session.expunge_all()
    ms = sorted(r["ms"] for r in runs)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {
        "queries": len(runs),
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": p95,
        "max_ms": ms[-1],
        "target_first": sum(r["rank"] == 1 for r in runs),
        "target_in_top20": sum(r["rank"] is not None for r in runs),
        "runs": runs,
        "peak_rss_mb": peak_rss_mb(),
    }


def run(args) -> dict:
    import flask_migrate
    from sqlalchemy import func, select

    from backend import create_app
    from backend.extensions import db
    from backend.regions.boundaries import import_boundaries
    from backend.regions.importer import import_csv
    from backend.regions.models import Region

    url = args.database_url or default_url()
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "params": {k: v for k, v in vars(args).items() if k != "database_url"},
        "machine": {
            "cpus": os.cpu_count(),
            "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "setup": {},
        "phases": {},
    }
    setup = result["setup"]
    t = time.perf_counter()
    gen = generate(args)
    setup["generate_s"] = round(time.perf_counter() - t, 2) if not gen["reused"] else gen.get("seconds")
    result["input"] = gen

    t = time.perf_counter()
    log(f"wiping and migrating {url}")
    wipe(url, args.yes_wipe)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        flask_migrate.upgrade()
        setup["wipe_migrate_s"] = round(time.perf_counter() - t, 2)
        dialect = db.engine.dialect.name
        if args.drop_search_index and dialect == "postgresql":
            from sqlalchemy import text

            db.session.execute(text("DROP INDEX ix_addresses_search_text_trgm"))  # what the index costs writes
            db.session.commit()
            setup["search_index_dropped"] = True
        result["database"] = {"dialect": dialect, "url": url}
        if dialect == "postgresql":
            result["database"].update(pg_facts(db))

        t = time.perf_counter()
        regions = import_csv(ROOT / "backend" / "data" / "divisions-zhejiang.csv")
        db.session.commit()
        setup["regions_import_s"] = round(time.perf_counter() - t, 2)
        setup["regions_created"] = regions.created

        log(f"importing boundaries: {gen['communities']} communities, {gen['grids']} grids")
        t = time.perf_counter()
        bounds = import_boundaries(gen["geojson"])
        db.session.commit()
        setup["boundaries_import_s"] = round(time.perf_counter() - t, 2)
        setup["boundaries"] = bounds
        setup["grids_in_db"] = db.session.scalar(select(func.count()).where(Region.level == "grid"))
        setup["peak_rss_mb"] = peak_rss_mb()
        log(f"setup done: {setup}")

        n = gen["addresses"]
        log(f"(a) import_file {gen['csv']}")
        profile = OUT / f"import-{n}.prof" if args.profile else None
        phases = result["phases"]
        phases["import"] = phase_import(db, gen["csv"], n, profile)
        phases["import"]["rss_after_mb"] = rss_mb()
        log(f"(a) import: {phases['import']}")
        if dialect == "postgresql":
            result["table_sizes_mb_after_import"] = table_sizes(db)
            result["stats_before_assign"] = stats_state(db)
            db.session.commit()
        result["explain"] = explain(db, dialect)
        db.session.rollback()

        log("(b) assign_grids (first)")
        phases["assign"] = phase_assign(db)
        log(f"(b) assign: {phases['assign']}")
        log("(c) assign_grids (again, nothing changed)")
        phases["reassign"] = phase_assign(db)
        log(f"(c) reassign: {phases['reassign']}")
        if dialect == "postgresql":
            result["explain_analyze_steady"] = explain_analyze(db)
            result["explain"]["uses_gist"] = any("idx_addresses_point" in line for line in result["explain"]["assign"])
            result["table_sizes_mb_after_assign"] = table_sizes(db)
            db.session.commit()

        if not args.skip_search:
            samples = json.loads(Path(gen["samples"]).read_text())
            log(f"(d) {len(samples)} searches")
            phases["search"] = phase_search(db, samples)
            log(f"(d) search: median {phases['search']['median_ms']} ms, p95 {phases['search']['p95_ms']} ms")
            if dialect == "postgresql":
                result["explain_search"] = explain_search(db, samples)
                log(f"(d) search uses the trigram index: {result['explain_search']['uses_trigram_index']}")
        db.session.remove()
        db.engine.dispose()
    result["peak_rss_mb"] = peak_rss_mb()
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--grids", type=int, default=400)
    parser.add_argument("--database-url", help="default: PostGIS database menpai_bench via scripts/postgres.sh")
    parser.add_argument("--townships", type=int, default=4, help="平阳县 townships the communities go under")
    parser.add_argument("--grids-per-community", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2260)
    parser.add_argument("--regenerate", action="store_true", help="rewrite the input files even if present")
    parser.add_argument("--profile", action="store_true", help="cProfile the import into bench/out/import-<N>.prof")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument(
        "--drop-search-index", action="store_true", help="PostgreSQL: drop the pg_trgm index on search_text first"
    )
    parser.add_argument("--yes-wipe", action="store_true", help="allow wiping a database without 'bench' in its name")
    parser.add_argument("--output", type=Path, help="result JSON (default bench/out/addresses-<N>.json)")
    args = parser.parse_args(argv)
    result = run(args)
    out = args.output or OUT / f"addresses-{args.addresses}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    log(f"wrote {out}")
    p = result["phases"]
    summary = {k: {m: v[m] for m in ("seconds", "rows_per_s", "median_ms", "p95_ms") if m in v} for k, v in p.items()}
    print(json.dumps({"addresses": args.addresses, "peak_rss_mb": result["peak_rss_mb"], **summary}, indent=1))


if __name__ == "__main__":
    main()
