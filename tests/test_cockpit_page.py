"""The cockpit page: served to staff only, libraries self-hosted, and driven in Debian's chromium (charts drawn,
no console errors, drill-down changes the numbers, the optional tile layer converts to GCJ-02)."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]  # fmt: skip
A = "330326100"
needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (scripts/setup.sh)")
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def test_anonymous_visitors_get_the_login_form_and_tenants_are_refused(client, login_as, world):
    page = client.get("/cockpit")
    assert page.status_code == 200 and b'id="login"' in page.data and b"echarts" not in page.data
    assert b"<h2>Sign in with a staff account</h2>" in client.get("/cockpit?lang=en").data
    tenant = login_as("tenant").client.get("/cockpit")
    assert tenant.status_code == 403 and "驾驶舱仅对工作人员开放" in tenant.get_data(as_text=True)
    staff = login_as("supervisor", A).client.get("/cockpit")
    assert staff.status_code == 200 and b"vendor/echarts/echarts.min.js" in staff.data


def test_only_the_minified_library_builds_are_served_and_they_match_the_lock(client):
    for path in ("/static/vendor/echarts/echarts.min.js", "/static/cockpit/cockpit.js"):
        with client.get(path) as resp:
            assert resp.status_code == 200 and resp.mimetype == "text/javascript", path
    assert client.get("/static/node_modules/echarts/package.json").status_code == 404
    versions = (ROOT / "static" / "vendor" / "VERSIONS").read_text().split()
    assert versions == ["echarts", "6.1.0", "gcoord", "1.0.7"]
    modules = ROOT / "node_modules"
    if modules.exists():  # after npm ci: the committed copies are exactly the locked packages' files
        assert (ROOT / "static/vendor/echarts/echarts.min.js").read_bytes() == (
            modules / "echarts/dist/echarts.min.js"
        ).read_bytes()
        assert (ROOT / "static/vendor/gcoord/gcoord.global.prod.js").read_bytes() == (
            modules / "gcoord/dist/gcoord.global.prod.js"
        ).read_bytes()


def test_every_text_the_page_script_asks_for_is_translated():
    import re

    from backend.i18n import catalog

    script = (ROOT / "static" / "cockpit" / "cockpit.js").read_text(encoding="utf-8")
    asked = set(re.findall(r"T\('([\w.]+)'", script))
    assert asked and asked <= set(catalog("zh-CN")) and asked <= set(catalog("en"))


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture
def desktop():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(20_000)
        page.errors = []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        browser.close()


@pytest.fixture
def town(houses, world):
    ids = [
        houses.add("A1-1", notices=[("rectification", "整改", None, "overdue")]),
        houses.add("A1-2"),
        houses.add("A1-3"),
        houses.add("A2-1"),
        houses.add("B1-1"),
    ]
    with world.app_context():  # the summary's counts are the aggregates' (`flask cockpit refresh`)
        from backend.cockpit.aggregates import refresh
        from backend.extensions import db

        refresh()
        db.session.commit()
    return ids


def sign_in(page, base, username):
    page.goto(f"{base}/cockpit")
    page.fill("#username", username)
    page.fill("#password", "correct-horse-battery")
    page.click("#login button[type=submit]")
    page.wait_for_selector("#kpis .kpi")
    page.wait_for_function("!document.body.dataset.loading")


def kpi(page, name):
    return page.inner_text(f'[data-kpi="{name}"] strong')


@needs_browser
def test_the_cockpit_draws_and_drills_down(town, server, desktop, make_user):
    page = desktop
    sign_in(page, server, make_user("supervisor", A))
    for chart in ("#children-chart", "#trends-chart", "#map-chart"):
        assert page.locator(f"{chart} canvas").count() >= 1, chart
    assert kpi(page, "houses") == "4"  # B1-1 is in the other township
    assert page.inner_text("#crumbs") == "昆阳镇"
    assert page.locator("#children tbody tr").count() == 2
    assert page.locator('#alert-counts [data-kind="rectification_overdue"]').inner_text().endswith(" 1")
    assert "region=" + A in page.get_attribute('[data-export="houses"]', "href")
    page.click('#children tbody tr[data-code="330326100002"]')  # 县前社区: only A2-1
    page.wait_for_function("document.querySelector('#crumbs').innerText.includes('县前社区')")
    page.wait_for_function("!document.body.dataset.loading")
    assert kpi(page, "houses") == "1"
    assert page.locator("#alerts tbody tr").inner_text() == "没有预警。"
    assert "region=330326100002" in page.get_attribute('[data-export="alerts"]', "href")
    page.click("#up")
    page.wait_for_function("document.querySelector('[data-kpi=houses] strong').innerText === '4'")
    assert page.errors == []


@needs_browser
def test_english_and_the_tile_layer_in_gcj02(town, server, desktop, make_user, app):
    app.config["MAP_TILE_URL"] = PIXEL + "#{z}/{x}/{y}"
    page = desktop
    page.goto(f"{server}/cockpit?lang=en")
    page.fill("#username", make_user("supervisor", A))
    page.fill("#password", "correct-horse-battery")
    page.click("#login button[type=submit]")
    page.wait_for_selector("#kpis .kpi")
    page.wait_for_function("!document.body.dataset.loading")
    assert page.inner_text('[data-kpi="houses"] span') == "Rental houses"
    page.wait_for_function("document.querySelectorAll('#tiles img').length > 0")
    src = page.get_attribute("#tiles img", "src")
    assert src.startswith(PIXEL) and src.count("/") >= 2 and "{z}" not in src
    lon, lat = page.evaluate("menpaiCockpit.toMap([120.505, 27.61])")
    # GCJ-02 is WGS84 shifted by a few hundred metres in Zhejiang: east and south here.
    assert 0.003 < lon - 120.505 < 0.007 and -0.004 < lat - 27.61 < 0
    assert page.errors == []
