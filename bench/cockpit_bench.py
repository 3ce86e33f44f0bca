"""Time the cockpit and the staff lists on the generated city (bench/gen_city.py), through the app's own API.

Every figure is a GET through `app.test_client()` logged in (POST /api/v1/auth/login) as a generated user with the
scope the figure is about: the whole Flask stack (session lookup, scope check, the queries, JSON), no network.
Warm cache: every URL of a figure is fetched once first, then --runs timed requests; median and p95 in
milliseconds. The grid list and the nearest-20 cycle over 5 random grids / points (seeded); their *_first_touch
figures fetch --runs other grids / points once each, never fetched before (cold for PostgreSQL's buffers).
Every SQL statement is timed too (SQLAlchemy cursor events); the slowest statement of the slowest target is
EXPLAIN (ANALYZE, BUFFERS)-ed with its own parameters.

    .venv/bin/python bench/cockpit_bench.py                       # menpai_bench_city, the biggest county
    .venv/bin/python bench/cockpit_bench.py --county 330203 --runs 30

Results: bench/out/cockpit-<houses>.json and a table on stdout.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.gen_city import BENCH_CONFIG, BENCH_PASSWORD  # noqa: E402

OUT = ROOT / "bench" / "out"
WARMUP = 3
TARGETS_MS = {"county_summary": 300, "grid_list": 50, "nearest_20": 20, "heatmap_county": 500}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Statements:
    """Wall time of every SQL statement run while active, with its parameters."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.rows, self.on = [], False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.rows.append(((time.perf_counter() - conn.info["t0"]) * 1000, statement, parameters))


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def login(app, username):
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": BENCH_PASSWORD})
    assert resp.status_code == 200, (username, resp.get_json())
    return client


def measure(name, client, urls, runs, stmts, warmup=None) -> dict:
    """GET every url once (or `warmup` times) to warm the caches, then urls[i % len] runs times; ms per timed
    request, and the statements of the slowest run. warmup=0: every url is fetched for the first time."""
    for i in range(len(urls) if warmup is None else warmup):
        resp = client.get(urls[i % len(urls)])
        assert resp.status_code == 200, (urls[i % len(urls)], resp.status_code, resp.get_data()[:300])
    ms, slowest = [], (0.0, None, [])
    for i in range(runs):
        url = urls[i % len(urls)]
        stmts.rows, stmts.on = [], True
        t = time.perf_counter()
        resp = client.get(url)
        body = resp.get_data()
        elapsed = (time.perf_counter() - t) * 1000
        stmts.on = False
        assert resp.status_code == 200, (url, body[:300])
        ms.append(elapsed)
        if elapsed > slowest[0]:
            slowest = (elapsed, url, list(stmts.rows), len(body))
    out = {
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "min_ms": round(min(ms), 1),
        "max_ms": round(max(ms), 1),
        "runs": runs,
        "target_ms": TARGETS_MS.get(name),
        "example_url": urls[0],
        "response_bytes": slowest[3],
        "statements_of_slowest_run": [
            {"ms": round(t, 2), "sql": " ".join(s.split())[:300]} for t, s, _ in sorted(slowest[2], key=lambda r: -r[0])
        ][:8],
        "_slowest": slowest,
    }
    target = TARGETS_MS.get(name)
    verdict = "" if target is None else ("  OK" if out["median_ms"] <= target else "  OVER TARGET")
    log(f"{name:18s} median {out['median_ms']:8.1f} ms  p95 {out['p95_ms']:8.1f} ms  (target {target}){verdict}")
    return out


def explain(db, statement, parameters) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement with its parameters, on the app's connection."""
    from sqlalchemy import text

    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        lines = [r[0] for r in cur.fetchall()]
    db.session.rollback()
    db.session.execute(text("SELECT 1"))
    return lines


def run(args) -> dict:
    from sqlalchemy import func, select, text

    from backend import create_app
    from backend.addresses.models import Address
    from backend.extensions import db
    from backend.houses.models import House
    from backend.regions.models import Region

    url = args.database_url or "postgresql://postgres@127.0.0.1:5432/menpai_bench_city"
    app = create_app({"DATABASE_URL": url, **BENCH_CONFIG})
    rng = random.Random(args.seed)
    with app.app_context():
        houses = db.session.scalar(select(func.count()).select_from(House))
        county = (
            args.county
            or db.session.execute(
                select(func.substr(House.scope_code, 1, 6).label("c"), func.count())
                .group_by(text("c"))
                .order_by(func.count().desc())
                .limit(1)
            ).scalar()
        )
        in_county = db.session.scalar(select(func.count()).where(House.scope_code.like(county + "%")))
        grids = db.session.scalars(
            select(Region.code).where(Region.level == "grid", Region.code.like(county + "%")).order_by(Region.code)
        ).all()
        grids = rng.sample(grids, min(args.runs + WARMUP + 5, len(grids)))
        # Points where people stand: an address of the county, moved by up to ~200 m.
        points = db.session.execute(
            select(func.ST_X(Address.point), func.ST_Y(Address.point))
            .where(Address.scope_code.like(county + "%"))
            .order_by(func.random())
            .limit(args.runs + 5)
        ).all()
        stmts = Statements(db.engine)
        facts = {
            "houses": houses,
            "county": county,
            "county_houses": in_county,
            "grids_in_county": len(grids),
            "load_avg_before": os.getloadavg(),
        }
        log(f"city of {houses:,} houses; county {county}: {in_county:,} houses")
        sup = login(app, f"sup{county}")
        results = {}
        results["county_summary"] = measure(
            "county_summary", sup, [f"/api/v1/cockpit/summary?region={county}"], args.runs, stmts
        )
        lists = [f"/api/v1/houses?region={g}" for g in grids]
        results["grid_list"] = measure("grid_list", sup, lists[:5], args.runs, stmts)
        # Grids nobody asked for since the database started: their pages come from the disk or the OS cache.
        results["grid_list_first_touch"] = measure("grid_list_cold", sup, lists[5:], len(lists) - 5, stmts, 0)
        worker = login(app, f"gw{grids[0]}")
        results["grid_list_as_grid_worker"] = measure("grid_list_worker", worker, ["/api/v1/houses"], args.runs, stmts)
        near = [
            f"/api/v1/houses?near={x + rng.uniform(-0.002, 0.002):.6f},{y + rng.uniform(-0.002, 0.002):.6f}&limit=20"
            for x, y in points
        ]
        results["nearest_20"] = measure("nearest_20", sup, near[:5], args.runs, stmts)
        results["nearest_20_first_touch"] = measure("nearest_20_cold", sup, near[5:], len(near) - 5, stmts, 0)
        sup = login(app, f"sup{county}")  # a fresh session per figure
        results["heatmap_county"] = measure(
            "heatmap_county", sup, [f"/api/v1/cockpit/heatmap?region={county}"], args.runs, stmts
        )
        results["heatmap_county_tenants"] = measure(
            "heatmap_tenants", sup, [f"/api/v1/cockpit/heatmap?region={county}&measure=tenants"], args.runs, stmts
        )
        if args.extra:
            for name, path in (
                ("trends_county", f"/api/v1/cockpit/trends?region={county}"),
                ("grids_county", f"/api/v1/cockpit/grids?region={county}"),
                ("alerts_county", f"/api/v1/cockpit/alerts?region={county}"),
                ("visits_grid", f"/api/v1/cockpit/visits?region={grids[0]}"),
                ("summary_city", f"/api/v1/cockpit/summary?region={args.city}"),
            ):
                client = login(app, f"sup{args.city}") if name == "summary_city" else sup
                try:
                    results[name] = measure(name, client, [path], max(5, args.runs // 3), stmts)
                except AssertionError as err:  # an endpoint still being built must not stop the figures
                    results[name] = {"error": str(err)[:300]}
        timed = {k: v for k, v in results.items() if k in TARGETS_MS}
        worst = max(timed, key=lambda k: timed[k]["median_ms"] / TARGETS_MS[k])
        _, worst_url, worst_stmts, _ = timed[worst]["_slowest"]
        ms, statement, parameters = max(worst_stmts, key=lambda r: r[0])
        facts["explained"] = {"target": worst, "url": worst_url, "statement_ms": round(ms, 1), "sql": statement}
        facts["explain"] = explain(db, statement, parameters)
        facts["load_avg_after"] = os.getloadavg()
    for v in results.values():
        v.pop("_slowest", None)
    return {"facts": facts, "results": results}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", help="default: menpai_bench_city on 127.0.0.1")
    p.add_argument("--county", help="a county code; default: the one with most houses")
    p.add_argument("--city", default="3302")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--extra", action="store_true", help="also trends, grids, alerts, visits, the city summary")
    p.add_argument("--output")
    args = p.parse_args(argv)
    result = run(args)
    out = Path(args.output or OUT / f"cockpit-{result['facts']['houses']}.json")
    OUT.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"{'figure':26s} {'median ms':>10s} {'p95 ms':>10s} {'target':>8s}")
    for name, r in result["results"].items():
        if "median_ms" in r:
            print(f"{name:26s} {r['median_ms']:10.1f} {r['p95_ms']:10.1f} {r['target_ms'] or '':>8}")
    print(f"EXPLAIN of the slowest statement ({result['facts']['explained']['target']}):")
    print("\n".join(result["facts"]["explain"]))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
