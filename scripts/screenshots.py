"""Take the README's screenshots: each role's main screen of the app at 360×740, in Debian's chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang zh-CN|en] [--roles grid_worker,police]

A fresh demo town (`flask db upgrade` + `flask demo seed`) in a temporary SpatiaLite file, served on a free port,
so the pictures never depend on what a developer's own database holds. Needs `bash scripts/setup.sh` first.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]  # fmt: skip
PASSWORD = "menpai-demo"
WEST_GATE = {"latitude": 27.6655, "longitude": 120.5605, "accuracy": 9}  # in 西门社区第1网格 of the demo town

# role → (demo account, the screen the role works from, what to wait for before the picture)
SCREENS = {
    "landlord": ("landlord", "#/houses", "[data-house-id]"),
    "tenant": ("tenant", "#/my-tenancy", "main#view h1"),
    "grid_worker": ("grid", "#/tasks", "[data-task], #tasks"),
    "fire_officer": ("fire", "#/my-notices", "#notices"),
    "police": ("police", "#/lists", "#lists, #lists-count"),
    "supervisor": ("supervisor", "#/lists?colour=yellow", "#lists, #lists-count"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env, *args):
    subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def serve(env, port):
    """The demo town on 127.0.0.1:port; returns the server process once /healthz answers."""
    cmd = [str(ROOT / ".venv/bin/flask"), "run", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def id_number(serial: int) -> str:
    """A valid GB 11643 resident ID number (Pingyang, born 1990-01-01) for the demo tenant."""
    body = f"33032619900101{serial:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def api_login(request, base, username):
    resp = request.post(f"{base}/api/v1/auth/login", data={"username": username, "password": PASSWORD})
    assert resp.ok, resp.text()
    return {"X-CSRF-Token": resp.json()["csrf_token"]}


def tenant_moves_in(playwright, base):
    """The demo `tenant` account checks in at a landlord's house with room to spare, and the landlord confirms."""
    landlord = playwright.request.new_context()
    tenant = playwright.request.new_context()
    lord = api_login(landlord, base, "landlord")
    houses = landlord.get(f"{base}/api/v1/houses").json()["houses"]
    house = next(h for h in houses if h["status"] == "active" and h["occupants_count"] < (h["max_occupants"] or 0))
    token = landlord.get(f"{base}/api/v1/doorplates/by-code/{house['short_code']}").json()["token"]
    person = {"name": "林小雨", "id_number": id_number(27), "phone": "13957712345", "room": "302"}
    body = {**person, "move_in": time.strftime("%Y-%m-%d")}
    door = api_login(tenant, base, "tenant")
    resp = tenant.post(f"{base}/api/v1/doorplates/{token}/check-in", data=body, headers=door)
    assert resp.ok, resp.text()
    confirm = landlord.post(f"{base}/api/v1/tenancies/{resp.json()['id']}/confirm", data={}, headers=lord)
    assert confirm.ok, confirm.text()
    landlord.dispose()
    tenant.dispose()


def shoot(playwright, base, role, out: Path, lang: str, scale: float):
    username, screen, ready = SCREENS[role]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=scale,
        locale=lang,
        geolocation=WEST_GATE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/app/")
    page.evaluate(f"localStorage.setItem('menpai.lang', '{lang}')")
    page.goto(f"{base}/app/#/login")
    page.wait_for_selector("#login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#logout")
    page.evaluate(f"location.hash = '{screen}'")
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#toast", state="hidden")  # "works offline now" goes after a few seconds
    page.wait_for_timeout(300)
    path = out / f"{role}.png"
    page.screenshot(path=str(path))
    browser.close()
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--lang", default="zh-CN", choices=["zh-CN", "en"])
    parser.add_argument("--roles", default=",".join(SCREENS))
    parser.add_argument("--scale", type=float, default=1.5, help="device pixel ratio of the pictures")
    opts = parser.parse_args()
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": f"sqlite:///{tmp}/demo.db"}
        env.pop("MENPAI_LANG", None)
        flask(env, "db", "upgrade")
        flask(env, "demo", "seed")
        port = free_port()
        server = serve(env, port)
        try:
            with sync_playwright() as playwright:
                tenant_moves_in(playwright, f"http://127.0.0.1:{port}")
                for role in opts.roles.split(","):
                    print(shoot(playwright, f"http://127.0.0.1:{port}", role, out, opts.lang, opts.scale))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
