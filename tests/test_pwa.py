"""The mobile app (pwa/) served at /app/, and driven end to end in Debian's chromium with Playwright at 360×740."""

import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from loop_helpers import id_number
from sqlalchemy import func, select
from werkzeug.serving import make_server

from backend.extensions import db
from backend.i18n import t

PWA = Path(__file__).resolve().parent.parent / "pwa"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
GRID = "330326100001001"
AT_A1_1 = {"latitude": 27.6101, "longitude": 120.5051, "accuracy": 12}  # a few metres from address A1-1

needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (scripts/setup.sh)")


# ---- served files -----------------------------------------------------------------------------------------------


def get(client, path):
    """GET path and close the response (a served file stays open until then)."""
    with client.get(path) as response:
        response.get_data()
        return response


def test_the_app_files_are_served_with_the_caching_each_needs(client):
    index = get(client, "/app/")
    assert index.status_code == 200 and b'rel="manifest"' in index.data
    assert index.headers["Cache-Control"] == "no-cache"
    sw = get(client, "/app/sw.js")
    assert sw.headers["Service-Worker-Allowed"] == "/app/" and sw.headers["Cache-Control"] == "no-cache"
    assert sw.mimetype == "text/javascript" and b"__SHELL_VERSION__" not in sw.data
    manifest = get(client, "/app/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.get_json()["start_url"] == "/app/" and manifest.get_json()["scope"] == "/app/"
    assert get(client, "/app/js/outbox.js").mimetype == "text/javascript"
    assert get(client, "/app/i18n/zh-CN.json").get_json()["app.name"] == "门牌"
    assert "max-age=604800" in get(client, "/app/icons/icon-192.png").headers["Cache-Control"]
    for hidden in ("/app/test/outbox.test.mjs", "/app/package.json", "/app/README.md", "/app/../wsgi.py"):
        assert get(client, hidden).status_code == 404, hidden


def test_the_service_worker_changes_whenever_the_shell_does(monkeypatch, tmp_path):
    from backend import pwa

    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    monkeypatch.setattr(pwa, "PWA", copy)
    before = pwa.shell_version()
    (copy / "test" / "outbox.test.mjs").write_text("// not served: no update")
    assert pwa.shell_version() == before
    (copy / "js" / "dom.js").write_text("// changed", encoding="utf-8")
    assert pwa.shell_version() != before


def test_the_service_worker_precaches_every_module_and_translation():
    sw = (PWA / "sw.js").read_text(encoding="utf-8")
    listed = set(re.findall(r"'([\w./-]+\.(?:js|json|css|png|webmanifest))'", sw))
    shipped = {p.relative_to(PWA).as_posix() for d in ("js", "i18n", "icons") for p in (PWA / d).rglob("*.*")}
    assert shipped <= listed, f"add to SHELL in pwa/sw.js: {sorted(shipped - listed)}"


def test_translations_have_the_same_keys_and_cover_every_text_the_modules_ask_for():
    zh, en = (json.loads((PWA / "i18n" / f"{lang}.json").read_text(encoding="utf-8")) for lang in ("zh-CN", "en"))
    assert set(zh) == set(en)
    asked = set()
    for module in (PWA / "js").rglob("*.js"):
        asked |= set(re.findall(r"\bt\('([\w.-]+)'", module.read_text(encoding="utf-8")))
    assert asked and asked <= set(zh), sorted(asked - set(zh))


def test_the_verification_checklist_matches_the_server():
    from backend.houses.checklists import checklist

    module = (PWA / "js" / "checklists.js").read_text(encoding="utf-8")
    pwa_items = re.findall(r"\{ id: '(\w+)', required: (true|false) \}", module)
    assert [(i["id"], str(i["required"]).lower()) for i in checklist("verification")] == pwa_items
    zh = json.loads((PWA / "i18n" / "zh-CN.json").read_text(encoding="utf-8"))
    assert all(f"checklist.verification.{item_id}" in zh for item_id, _ in pwa_items)


# ---- in the browser ---------------------------------------------------------------------------------------------


@pytest.fixture
def server(app):
    """The app on a real port (a service worker needs a real origin; 127.0.0.1 counts as secure)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def phone(playwright, tmp_path):
    """phone(**options) → a page in a fresh persistent profile (installability is only reported outside incognito)."""
    contexts = []

    def open_phone(**options):
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 360, "height": 740},
            locale="zh-CN",
            **options,
        )
        contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_phone
    for context in contexts:
        context.close()


def open_app(page, url):
    """Load the app and wait until its service worker controls the page (the shell is then cached)."""
    page.goto(url)
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def log_in(page, username, password="correct-horse-battery"):
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login button[type=submit]")


@needs_browser
def test_chromium_reports_no_installability_errors(server, phone):
    page = phone()
    open_app(page, server + "/app/")
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and "standalone" in manifest["data"]


@needs_browser
def test_a_new_version_is_offered_and_applied_only_when_the_user_agrees(server, phone, monkeypatch):
    from backend import pwa

    page = phone()
    open_app(page, server + "/app/")
    old = f"menpai-shell-{pwa.shell_version()}"
    monkeypatch.setattr(pwa, "shell_version", lambda: "next-version")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_selector("#update button")
    caches = "caches.keys()"
    # Installed and waiting: the page keeps running on the old shell until the user agrees.
    assert sorted(page.evaluate(caches)) == sorted([old, "menpai-shell-next-version"])
    assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.waiting !== null)")
    with page.expect_navigation():
        page.click("#update button")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function(f"{caches}.then((names) => names.join() === 'menpai-shell-next-version')")


@needs_browser
def test_the_shell_starts_offline_from_the_service_worker(server, phone):
    page = phone()
    open_app(page, server + "/app/")
    page.wait_for_selector("#login")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#login")
    assert page.locator("#offline").is_visible()
    assert page.locator(".brand").inner_text() == "门牌"


def verification_count(app, task_id):
    from backend.verification.models import Verification

    with app.app_context():
        return db.session.scalar(select(func.count(Verification.id)).where(Verification.task_id == task_id))


def task_of(app, house_id):
    from backend.verification.models import VerificationTask

    with app.app_context():
        return db.session.scalar(select(VerificationTask.id).where(VerificationTask.house_id == house_id))


@needs_browser
def test_a_grid_worker_verifies_offline_and_the_outbox_sends_it_exactly_once(app, houses, make_user, server, phone):
    near, far = houses.add("A1-1", status="declared"), houses.add("A1-2", status="declared")
    near_task, far_task = task_of(app, near), task_of(app, far)
    make_user("grid_worker", GRID, username="grid-wu")
    page = phone(geolocation=AT_A1_1, permissions=["geolocation"])
    open_app(page, server + "/app/#/tasks")
    log_in(page, "grid-wu")
    page.wait_for_selector("[data-task]")
    assert "±12" in page.inner_text("#position")
    assert [int(x) for x in page.locator("[data-task]").evaluate_all("els => els.map(e => e.dataset.task)")] == [
        near_task,
        far_task,
    ], "nearest first"

    # In the stairwell: no network. The list and the app still open; the visit is queued.
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector(f"[data-task='{near_task}']")
    page.click(f"[data-task='{near_task}']")
    page.wait_for_selector("#fix:has-text('±12')")
    for item in ("address_matches", "rooms_match", "fire_self_check_confirmed"):
        page.check(f"[data-item={item}]")
    page.check("input[name=outcome][value=approved]")
    page.click("#verify button[type=submit]")
    page.wait_for_selector("#outbox-indicator[data-pending='1']")
    page.wait_for_selector(f"[data-task='{near_task}'] .tag")  # marked as waiting in the list
    assert verification_count(app, near_task) == 0

    # Back online: the outbox flushes by itself, once.
    page.context.set_offline(False)
    page.wait_for_selector("#outbox-indicator[data-pending='0']")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a second flush has nothing left to send
    page.wait_for_timeout(300)
    assert verification_count(app, near_task) == 1
    assert verification_count(app, far_task) == 0

    # Logging out wipes what the API answered (the task list, who I am).
    page.click(".brand")
    page.click("#logout")
    page.wait_for_selector("#login")
    assert "menpai-api" not in page.evaluate("caches.keys()")


@needs_browser
def test_logging_out_with_unsent_work_warns_first(app, houses, make_user, server, phone):
    task = task_of(app, houses.add("A1-1", status="declared"))
    make_user("grid_worker", GRID, username="grid-wu")
    page = phone(geolocation=AT_A1_1, permissions=["geolocation"])
    open_app(page, server + f"/app/#/tasks/{task}")
    log_in(page, "grid-wu")
    page.wait_for_selector("#fix:has-text('±12')")
    page.context.set_offline(True)
    page.check("input[name=outcome][value=needs_fix]")
    page.fill("#reasons", "灭火器过期")
    page.click("#verify button[type=submit]")
    page.wait_for_selector("#outbox-indicator[data-pending='1']")

    page.click(".brand")
    page.click("#logout")
    page.wait_for_selector("#confirm[open]")
    assert "1" in page.inner_text("#confirm-text")
    page.click("#confirm-no")  # stay: nothing is lost
    assert page.locator("#outbox-indicator[data-pending='1']").is_visible()
    page.click("#logout")
    page.click("#confirm-yes")  # log out anyway: the unsent visit is dropped with the rest
    page.wait_for_selector("#login")
    assert "menpai-api" not in page.evaluate("caches.keys()")
    page.context.set_offline(False)
    log_in(page, "grid-wu")
    page.wait_for_selector("#outbox-indicator[data-pending='0']")
    assert verification_count(app, task) == 0


@needs_browser
def test_a_replayed_verification_whose_answer_was_lost_is_stored_once(app, houses, make_user, server, phone):
    house = houses.add("A1-1", status="declared")
    task = task_of(app, house)
    make_user("grid_worker", GRID, username="grid-wu")
    # Playwright cannot intercept requests of a page its service worker controls; the outbox works without one.
    page = phone(geolocation=AT_A1_1, permissions=["geolocation"], service_workers="block")
    page.goto(server + "/app/#/tasks")
    log_in(page, "grid-wu")
    page.wait_for_selector("[data-task]")

    # The server gets the first attempt and acts on it, but the answer never reaches the phone.
    lost = []

    def lose_answer(route):
        if not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/tasks/*/verify", lose_answer)
    page.click(f"[data-task='{task}']")
    page.wait_for_selector("#fix:has-text('±12')")
    for item in ("address_matches", "rooms_match", "fire_self_check_confirmed"):
        page.check(f"[data-item={item}]")
    page.check("input[name=outcome][value=approved]")
    page.click("#verify button[type=submit]")
    page.wait_for_selector("#outbox-indicator[data-pending='1'][data-error=network]")
    assert lost == [201] and verification_count(app, task) == 1

    page.evaluate("window.dispatchEvent(new Event('online'))")  # the replay, with the same Idempotency-Key
    page.wait_for_selector("#outbox-indicator[data-pending='0']")
    assert verification_count(app, task) == 1


@needs_browser
def test_a_tenant_checks_in_from_the_doorplate_and_sees_the_servers_field_errors(app, houses, make_user, server, phone):
    from backend.tenancy.models import Tenancy

    house = houses.add("A1-1")
    token, short_code, _ = houses.plate(house)
    make_user("tenant", username="tenant-li")
    page = phone()
    open_app(page, f"{server}/app/#/check-in/{token}")
    page.wait_for_selector("#plate-code")
    assert page.inner_text("#plate-code") == short_code
    assert "解放街12号" in page.inner_text("#plate-address")
    page.click("a[href^='#/login']")
    log_in(page, "tenant-li")
    page.wait_for_selector("#check-in")

    page.fill("#ci-name", "李四")
    page.fill("#ci-id_number", "330326199001011")
    page.fill("#ci-phone", "13812345678")
    page.fill("#ci-room", "301")
    page.click("#check-in button[type=submit]")
    error = page.wait_for_selector("[data-error-for=id_number]")
    assert error.inner_text() == t("error.id_number_format", lang="zh-CN")

    valid = id_number()
    page.fill("#ci-id_number", valid)
    page.click("#check-in button[type=submit]")
    page.wait_for_selector("#check-in-done[data-status=pending]")
    with app.app_context():
        assert db.session.scalars(select(Tenancy.status).where(Tenancy.house_id == house)).all() == ["pending"]

    # Personal data stays off the phone: not in any cache, not in local storage.
    kept = page.evaluate(
        """async () => {
            let text = JSON.stringify(localStorage);
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) text += await (await cache.match(request)).text();
            }
            return text;
        }"""
    )
    assert valid not in kept and "13812345678" not in kept
