"""The cockpit page: served to staff only, libraries self-hosted, and driven in Debian's chromium (charts drawn,
no console errors, drill-down changes the numbers, the visit list follows the region, the optional tile layer
converts to GCJ-02)."""

import json
import re
import threading
from datetime import timedelta
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

    # cockpit.js and the modules it imports
    script = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "static" / "cockpit").glob("*.js")))
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


@pytest.fixture
def patrol(town, world, make_user):
    """A1-2 last verified 30 days ago (green: due after 21); grid workers in 西门第1网格 (A1-1's overdue rectification,
    A1-2's patrol), 西门第2网格 and 县前第1网格 (nothing due there)."""
    from sqlalchemy import update

    from backend.extensions import db
    from backend.houses.models import House
    from backend.types import utcnow

    with world.app_context():
        db.session.execute(update(House).where(House.id == town[1]).values(verified_at=utcnow() - timedelta(days=30)))
        db.session.commit()
    workers = {"gw-west": "330326100001001", "gw-west2": "330326100001002", "gw-xq": "330326100002001"}
    for username, grid in workers.items():
        make_user("grid_worker", grid, username=username)
    return town


def visit_rows(page):
    return page.eval_on_selector_all(
        "#visits tbody tr",
        "rows => rows.map(r => [r.dataset.house, r.dataset.colour, ...[...r.cells].map(c => c.innerText)])",
    )


def route_ids(page):
    return page.evaluate("menpaiCockpit.charts.map.getOption().series.map(s => s.id)")


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
def test_the_visit_list_follows_the_region_with_its_states(patrol, server, desktop, make_user):
    page = desktop
    sign_in(page, server, make_user("supervisor", A))
    page.wait_for_selector('#visits-card[data-state="ready"]')
    groups = page.eval_on_selector_all(
        "#visit-worker optgroup", "gs => gs.map(g => [g.label, ...[...g.children].map(o => o.text)])"
    )
    assert groups == [["西门第1网格", "gw-west"], ["西门第2网格", "gw-west2"], ["县前第1网格", "gw-xq"]]
    worker = page.input_value("#visit-worker")
    api = page.evaluate("url => fetch(url).then(r => r.json())", f"/api/v1/cockpit/visits?worker={worker}")
    a11, a12 = patrol[0], patrol[1]
    assert [s["house"]["id"] for s in api["stops"]] == [a11, a12]  # A1-1 is at the grid's centre: first
    shown = visit_rows(page)
    assert shown == [
        [
            str(s["house"]["id"]),
            s["house"]["colour"],
            str(s["order"]),
            f"{s['house']['address']} {s['house']['unit_label'] or ''}".strip(),
            "",
            "\n".join(r["text"] for r in s["reasons"]),
            str(s["days_since_visit"]),
            str(round(s["leg_m"])),
        ]
        for s in api["stops"]
    ]
    # By hand: A1-2 is 0.001° of latitude (111 m) north of A1-1, last visited 30 days ago, due after 21 (green).
    assert [r[2] for r in shown] == ["1", "2"] and [r[6] for r in shown] == ["0", "30"]
    assert shown[1][1] == "green" and shown[1][5] == "上次走访在 30 天前,巡查周期 21 天"
    assert 110 <= int(shown[1][7]) <= 112
    assert "整改" in shown[0][5] and shown[0][1] in ("yellow", "red")
    assert page.inner_text("#visits thead tr") == "序号\t地址\t颜色\t走访原因\t距上次走访(天)\t距上一站(米)"
    assert page.inner_text("#visits-meta").startswith("gw-west · 西门第1网格:本周")
    csv = page.get_attribute('[data-export="visits"][data-format="csv"]', "href")
    assert f"worker={worker}" in csv and "format=csv" in csv
    lines = page.evaluate("url => fetch(url).then(r => r.text())", csv).strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith(f"1,0.0,{a11},")
    assert "format=xlsx" in page.get_attribute('[data-export="visits"][data-format="xlsx"]', "href")
    page.wait_for_function("menpaiCockpit.charts.map.getOption().series.some(s => s.id === 'stops')")
    stops = page.evaluate("menpaiCockpit.charts.map.getOption().series.find(s => s.id === 'stops').data")
    assert [p[2] for p in stops] == [1, 2] and stops[0][:2] == [120.505, 27.61]

    page.select_option("#visit-worker", label="gw-west2")  # A1-3: verified today, no alert
    page.wait_for_selector('#visits-card[data-state="empty"]')
    assert page.inner_text("#visits tbody") == "本周没有需要走访的房屋。"
    assert "worker=" in page.get_attribute('[data-export="visits"][data-format="csv"]', "href")
    assert "worker=" + worker not in page.get_attribute('[data-export="visits"][data-format="csv"]', "href")
    assert "stops" not in route_ids(page)

    page.click('#children tbody tr[data-code="330326100002"]')  # 县前社区: one grid, one worker, nothing due
    page.wait_for_function("document.querySelector('#crumbs').innerText.includes('县前社区')")
    page.wait_for_function("!document.body.dataset.loading")
    page.wait_for_selector('#visits-card[data-state="empty"]')
    assert page.eval_on_selector_all("#visit-worker option", "os => os.map(o => o.text)") == ["gw-xq"]
    assert page.inner_text("#visits tbody") == "本周没有需要走访的房屋。"
    assert page.errors == []

    # Back up, with the list's answer held: the loading state, then a failed answer's error state.
    held = []
    page.route(re.compile(r"/api/v1/cockpit/visits\?"), lambda route: held.append(route))
    page.click("#up")
    page.wait_for_selector('#visits-card[data-state="loading"]')
    while not held:
        page.wait_for_timeout(50)
    assert page.inner_text("#visits tbody") == "正在加载走访清单…"
    held[0].fulfill(status=500, content_type="application/json", body=json.dumps({"error": {"message": "出错了"}}))
    page.wait_for_selector('#visits-card[data-state="error"]')
    assert page.inner_text("#visits tbody") == "走访清单加载失败:出错了"
    assert page.is_hidden('[data-export="visits"][data-format="csv"]')
    assert page.errors and all("500" in e for e in page.errors)  # the browser's own "failed to load" line


@needs_browser
def test_a_grid_worker_sees_their_own_visit_list_without_a_picker(patrol, server, desktop, make_user):
    page = desktop
    sign_in(page, server, "gw-west")
    page.wait_for_selector('#visits-card[data-state="ready"]')
    assert page.locator("#visit-worker").count() == 0
    assert [r[0] for r in visit_rows(page)] == [str(patrol[0]), str(patrol[1])]
    assert page.errors == []


@needs_browser
def test_english_and_the_tile_layer_in_gcj02(patrol, server, desktop, make_user, app):
    app.config["MAP_TILE_URL"] = PIXEL + "#{z}/{x}/{y}"
    page = desktop
    page.goto(f"{server}/cockpit?lang=en")
    page.fill("#username", make_user("supervisor", A))
    page.fill("#password", "correct-horse-battery")
    page.click("#login button[type=submit]")
    page.wait_for_selector("#kpis .kpi")
    page.wait_for_function("!document.body.dataset.loading")
    assert page.inner_text('[data-kpi="houses"] span') == "Rental houses"
    page.wait_for_selector('#visits-card[data-state="ready"]')
    assert page.inner_text("#visits-card h2").startswith("Visit list")
    assert visit_rows(page)[1][5] == "Last visited 30 days ago; patrol interval 21 days"
    assert page.inner_text("#visits thead th:nth-child(5)") == "Days since last visit"
    page.wait_for_function("document.querySelectorAll('#tiles img').length > 0")
    src = page.get_attribute("#tiles img", "src")
    assert src.startswith(PIXEL) and src.count("/") >= 2 and "{z}" not in src
    lon, lat = page.evaluate("menpaiCockpit.toMap([120.505, 27.61])")
    # GCJ-02 is WGS84 shifted by a few hundred metres in Zhejiang: east and south here.
    assert 0.003 < lon - 120.505 < 0.007 and -0.004 < lat - 27.61 < 0
    assert page.errors == []
