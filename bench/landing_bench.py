"""Throughput of the scan landing page /d/{token} and of a staff member's house card by scan, against a bare
Flask route, same gunicorn, same run.

    .venv/bin/python bench/landing_bench.py [--seconds 15] [--connections 8] [--workers 2]

A fresh PostGIS database with the demo town (71 houses), gunicorn with sync workers on 127.0.0.1, wrk (Debian
package) as the load: first /bare, then /d/{token} over every live plate in random order — once with the page cache
(doors scanned again: every hit still records its scan) and once without it (every request reads the database: what
a door nobody scanned lately costs). Every landing request leaves a scan row; the bench checks the scans table holds
one per request after the workers exit. Then /api/v1/doorplates/{token}/card as the demo supervisor (token check +
scan row + house card with masked occupants + audit of the read), alternating with /bare: the median of the rounds.
Result: bench/out/landing.json.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PORT = 8765
SUPERVISOR = "330326100"  # the demo supervisor's scope


def prepare(url):
    import flask_migrate
    from sqlalchemy import create_engine, select, text

    from backend import create_app
    from backend.demo.seed import seed
    from backend.doorplates.models import Doorplate
    from backend.doorplates.operations import token_of
    from backend.extensions import db
    from backend.houses.models import House

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE EXTENSION postgis"))
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DOORPLATE_KEYS": {"A": "ab" * 32}})
    with app.app_context():
        flask_migrate.upgrade()
        seed()
        db.session.commit()
        live = select(Doorplate, House.scope_code).join(House).where(Doorplate.state == "active")
        plates = db.session.execute(live).all()
        # The card is read as the demo supervisor: only doors of their township (昆阳镇), else it is a 404.
        return [token_of(p) for p, _ in plates], [token_of(p) for p, code in plates if code.startswith(SUPERVISOR)]


def scans(url) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM scans")).scalar()
    engine.dispose()
    return n


def login_cookie() -> str:
    req = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/v1/auth/login",
        data=json.dumps({"username": "supervisor", "password": "menpai-demo"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        return resp.headers["Set-Cookie"].split(";")[0]


def wrk(path_or_script, seconds, connections):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if path_or_script.endswith(".lua"):
        args += ["-s", path_or_script, f"http://127.0.0.1:{PORT}"]
    else:
        args += [f"http://127.0.0.1:{PORT}{path_or_script}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    lat = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "requests": total,
        "p50": lat.get("50"),
        "p99": lat.get("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


class Server:
    """gunicorn with sync workers serving bench/landing_wsgi.py on PORT, with extra MENPAI_* settings."""

    def __init__(self, url, workers, **settings):
        env = {
            **os.environ,
            "MENPAI_DATABASE_URL": url,
            "MENPAI_SECRET_KEY": "bench",
            "MENPAI_DOORPLATE_KEYS": json.dumps({"A": "ab" * 32}),
            **{f"MENPAI_{k}": str(v) for k, v in settings.items()},
        }
        cmd = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{PORT}"]
        self.process = subprocess.Popen([*cmd, "--log-level", "warning", "bench.landing_wsgi:app"], cwd=ROOT, env=env)

    def __enter__(self):
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bare", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.terminate()  # workers flush their buffered scan rows as they exit
        self.process.wait()


def lua(path, tokens, prefix, suffix="", cookie=None):
    """A wrk script requesting prefix + token + suffix for random live plates."""
    header = f'wrk.headers["Cookie"] = "{cookie}"\n' if cookie else ""
    path.write_text(
        "tokens = {" + ",".join(f'"{t}"' for t in tokens) + "}\n" + header + "request = function() return "
        f'wrk.format("GET", "{prefix}" .. tokens[math.random(#tokens)] .. "{suffix}") end\n'
    )
    return str(path)


def landing_run(url, tokens, args, cached):
    """/bare then /d/{token} on one server; every landing request must have left its scan row."""
    script = lua(OUT / "landing.lua", tokens, "/d/")
    with Server(url, args.workers, LANDING_CACHE_ENTRIES=20_000 if cached else 0):
        page = urllib.request.urlopen(f"http://127.0.0.1:{PORT}/d/{tokens[0]}").read()
        wrk("/bare", 2, args.connections)  # warm up both
        wrk(script, 2, args.connections)
        before = scans(url)
        bare = wrk("/bare", args.seconds, args.connections)
        landing = wrk(script, args.seconds, args.connections)
    recorded = scans(url) - before
    return {
        "bare": bare,
        "landing": landing,
        "ratio": round(landing["rps"] / bare["rps"], 2),
        "landing_page_bytes": len(page),
        "scans_recorded": recorded,
        "scans_expected": landing["requests"],
    }


def card_run(url, tokens, args, cached=True):
    """/bare and the card by scan, alternately, args.rounds times on one server: the ratio is the median of the
    rounds' (this machine's neighbours come and go; a round pairs runs seconds apart). Uncached: no card cache
    (every scan reads the card, as for a door nobody scanned lately); the session cache stays on."""
    rounds, settings = [], {} if cached else {"LANDING_CACHE_ENTRIES": 0}
    if args.read_audit_flush is not None:
        settings["READ_AUDIT_FLUSH_SECONDS"] = args.read_audit_flush
    with Server(url, args.workers, **settings):
        script = lua(OUT / "card.lua", tokens, "/api/v1/doorplates/", "/card", login_cookie())
        wrk("/bare", 2, args.connections)
        wrk(script, 2, args.connections)
        before = audit_reads(url)
        for _ in range(args.rounds):
            bare = wrk("/bare", args.seconds, args.connections)
            card = wrk(script, args.seconds, args.connections)
            rounds.append({"bare": bare, "card": card, "ratio": round(card["rps"] / bare["rps"], 2)})
    ratios = sorted(r["ratio"] for r in rounds)
    median = rounds[[r["ratio"] for r in rounds].index(ratios[len(ratios) // 2])]
    return {
        "bare": median["bare"],
        "card": median["card"],
        "card_ratio": median["ratio"],
        "card_rounds": [r["ratio"] for r in rounds],
        "card_requests": sum(r["card"]["requests"] for r in rounds),
        "card_read_audit_events": audit_reads(url) - before,
    }


def audit_reads(url) -> int:
    """Audit events of masked reads (person.read) so far: one per card answered with occupants on it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM audit_events WHERE action = 'person.read'")).scalar()
    engine.dispose()
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="bare/card pairs (the card's ratio is their median)")
    parser.add_argument(
        "--read-audit-flush", type=float, help="READ_AUDIT_FLUSH_SECONDS for the card (0: each event written at once)"
    )
    parser.add_argument("--only", choices=("landing", "card"), help="run just one of the two parts")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = subprocess.run(
        ["bash", "scripts/postgres.sh", "menpai_bench_landing"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    tokens, in_scope = prepare(url)
    result = {"gunicorn_workers": args.workers, "connections": args.connections, "seconds": args.seconds}
    if args.read_audit_flush is not None:
        result["read_audit_flush_seconds"] = args.read_audit_flush
    result["plates"] = len(tokens)
    if args.only != "card":
        result["cached"] = landing_run(url, tokens, args, cached=True)
        result["uncached"] = landing_run(url, tokens, args, cached=False)
    if args.only != "landing":
        result.update(card_run(url, in_scope, args))
        result["card_uncached"] = card_run(url, in_scope, args, cached=False)
    (OUT / ("landing.json" if not args.only else f"{args.only}.json")).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
