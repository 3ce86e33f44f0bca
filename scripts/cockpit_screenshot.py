"""Take docs/screenshots/cockpit.png: the cockpit page against the demo town, in Debian's headless chromium.

    DATABASE_URL=sqlite:///instance/menpai.db .venv/bin/flask demo seed   # once
    .venv/bin/python scripts/cockpit_screenshot.py [--user supervisor] [--out docs/screenshots/cockpit.png]

Starts the app on a free port of 127.0.0.1 (the configured database), logs in through the page's own form, waits
until every chart has drawn, saves a 1440×1100 screenshot and prints any console error (exit 1 if there was one).
"""

import argparse
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend import create_app  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="supervisor")
    parser.add_argument("--password", default="menpai-demo")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "cockpit.png"))
    parser.add_argument("--lang", default="zh-CN")
    args = parser.parse_args()
    app = create_app()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    errors = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1440, "height": 1100}, locale=args.lang)
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/cockpit?lang={args.lang}")
            page.fill("#username", args.user)
            page.fill("#password", args.password)
            page.click("#login button[type=submit]")
            page.wait_for_selector("#kpis .kpi")
            page.wait_for_function("!document.body.dataset.loading")
            page.wait_for_timeout(800)  # the charts' entry animation
            page.screenshot(path=args.out, full_page=True)
            browser.close()
    finally:
        httpd.shutdown()
    print(f"saved {args.out}")
    for e in errors:
        print("console error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
