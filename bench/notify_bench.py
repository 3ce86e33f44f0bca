"""Outbox worker throughput: N queued Web Push notifications to a loopback push service, 1 and 2 worker processes.

    .venv/bin/python bench/notify_bench.py [--notifications 10000] [--subscriptions 100] [--workers 1 2]
                                           [--database-url URL]

Setup (untimed): a fresh PostGIS database `menpai_bench_notify` migrated to head, S users with one push subscription
each (browser-style P-256 keys + auth secrets), and a push service on 127.0.0.1 in its own process (a threaded
http.server answering 201; every 100th request has its VAPID JWT verified and its body decrypted and checked).
Each run: `flask notify work` processes are started and left idle, N notifications are queued through notify() in
one transaction with a start time T0 a moment ahead, and throughput = N / (last sent_at - T0). The push service's
request count must equal N (nothing sent twice). Result: bench/out/notify.json.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
OUT = ROOT / "bench" / "out"
VERIFY_EVERY = 100


def fresh_database(url: str | None) -> str:
    url = (
        url
        or subprocess.run(
            ["bash", "scripts/postgres.sh", "menpai_bench_notify"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()[-1]
    )
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE EXTENSION postgis"))
    engine.dispose()
    return url


def serve(httpd, browsers: dict, vapid_public: str) -> None:
    """The push service process: count requests, verify every VERIFY_EVERY-th, answer GET /stats."""
    from push_helpers import verify_vapid

    stats = {"received": 0, "verified": 0, "errors": []}
    lock = threading.Lock()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                stats["received"] += 1
                check = stats["received"] % VERIFY_EVERY == 0
            if check:
                try:
                    claims = verify_vapid(self.headers["Authorization"], origin)
                    assert claims["k"] == vapid_public
                    payload = browsers[self.path].decrypt(body)
                    assert payload["title"] == "消防提醒" and payload["url"].startswith("/notices/")
                    with lock:
                        stats["verified"] += 1
                except Exception as exc:
                    with lock:
                        stats["errors"].append(repr(exc)[:200])
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            with lock:
                data = json.dumps(stats).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd.RequestHandlerClass = Handler
    httpd.serve_forever()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def stats(origin: str) -> dict:
    import requests

    return requests.get(f"{origin}/stats", timeout=5).json()


def run(app, env, n, workers, origin, server_pid, user_ids) -> dict:
    """One measured run with `workers` worker processes."""
    from sqlalchemy import delete, func, select, update

    from backend.extensions import db
    from backend.notify.models import InboxMessage, Notification
    from backend.notify.outbox import notify
    from backend.types import utcnow

    with app.app_context():
        db.session.execute(delete(Notification))
        db.session.execute(delete(InboxMessage))
        db.session.commit()
    procs = [
        subprocess.Popen(
            [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "notify", "work", "--interval", "0.05", "--limit", "200"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for p in procs:  # wait for "started": imports and the first idle poll are not measured
        p.stderr.readline()
    time.sleep(1.0)
    before = stats(origin)["received"]
    with app.app_context():
        t0 = time.perf_counter()
        for i in range(n):
            notify(user_ids[i % len(user_ids)], "消防提醒", f"请检查灭火器 #{i}", f"/notices/{i}")
        db.session.execute(update(Notification).values(next_attempt_at=utcnow() + timedelta(days=1)))
        db.session.commit()
        queue_seconds = time.perf_counter() - t0
        cpu_before = [cpu_seconds(p.pid) for p in procs]
        server_before, ticks_before = cpu_seconds(server_pid), machine_ticks()
        start = utcnow() + timedelta(seconds=0.5)
        db.session.execute(update(Notification).values(next_attempt_at=start))
        db.session.commit()
        deadline = time.time() + 600
        while time.time() < deadline:
            left = db.session.scalar(select(func.count()).where(Notification.status == "queued"))
            db.session.rollback()
            if left == 0:
                break
            time.sleep(0.2)
        by_status = dict(
            db.session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all()
        )
        last = db.session.scalar(select(func.max(Notification.sent_at)))
        db.session.rollback()
    worker_cpu = sum(cpu_seconds(p.pid) for p in procs) - sum(cpu_before)
    server_cpu = cpu_seconds(server_pid) - server_before
    busy, total = (now - before for now, before in zip(machine_ticks(), ticks_before, strict=True))
    for p in procs:
        p.send_signal(signal.SIGINT)
    for p in procs:
        p.wait(timeout=30)
    received = stats(origin)["received"] - before
    seconds = (last - start).total_seconds()
    result = {
        "workers": workers,
        "notifications": n,
        "queue_seconds": round(queue_seconds, 2),
        "queue_per_second": round(n / queue_seconds),
        "send_seconds": round(seconds, 2),
        "per_second": round(n / seconds),
        "worker_cpu_ms_per_notification": round(worker_cpu / n * 1000, 2),
        "push_service_cpu_ms_per_notification": round(server_cpu / n * 1000, 2),
        "machine_cpu_busy_percent": round(100 * busy / total),
        "by_status": by_status,
        "push_service_received": received,
    }
    print(json.dumps(result), file=sys.stderr)
    assert by_status == {"sent": n}, by_status
    assert received == n, f"push service got {received} requests for {n} notifications"
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    from push_helpers import Browser

    from backend.notify import vapid

    keys = vapid.generate()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    httpd.daemon_threads = True
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    browsers = {f"/push/{i}": Browser(f"{origin}/push/{i}") for i in range(args.subscriptions)}
    server = os.fork()
    if server == 0:
        try:
            serve(httpd, browsers, keys["public_key"])
        finally:
            os._exit(0)
    httpd.server_close()
    try:
        url = fresh_database(args.database_url)
        import flask_migrate

        from backend import create_app
        from backend.auth.operations import create_user
        from backend.extensions import db
        from backend.notify.models import PushSubscription

        config = {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "VAPID_PRIVATE_KEY": keys["private_key"],
            "VAPID_PUBLIC_KEY": keys["public_key"],
        }
        app = create_app(config)
        with app.app_context():
            flask_migrate.upgrade()
            user_ids = []
            for i, browser in enumerate(browsers.values()):
                user = create_user(f"bench-{i}", "bench-password-1", "landlord", None)
                db.session.flush()
                sub = browser.subscription()
                db.session.add(
                    PushSubscription(
                        user_id=user.id,
                        endpoint=sub["endpoint"],
                        p256dh=sub["keys"]["p256dh"],
                        auth=sub["keys"]["auth"],
                    )
                )
                user_ids.append(user.id)
            db.session.commit()
        env = {
            **os.environ,
            "MENPAI_DATABASE_URL": url,
            "MENPAI_SECRET_KEY": "bench",
            "MENPAI_VAPID_PRIVATE_KEY": keys["private_key"],
            "MENPAI_VAPID_PUBLIC_KEY": keys["public_key"],
            "MENPAI_LANG": "en",
        }
        runs = [run(app, env, args.notifications, w, origin, server, user_ids) for w in args.workers]
        final = stats(origin)
        result = {
            "database": "postgresql" if url.startswith("postgres") else "sqlite",
            "subscriptions": args.subscriptions,
            "batch_size": app.config["NOTIFY_BATCH_SIZE"],
            "runs": runs,
            "push_service": {"verified": final["verified"], "errors": final["errors"], "verify_every": VERIFY_EVERY},
            "cpus": os.cpu_count(),
        }
        assert not final["errors"], final["errors"]
        path = OUT / "notify.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    finally:
        os.kill(server, signal.SIGTERM)
        os.waitpid(server, 0)


if __name__ == "__main__":
    main()
