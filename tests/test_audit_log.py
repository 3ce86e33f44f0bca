"""Issue #14 item 16: the audit log can be read — GET /api/v1/audit and /cockpit/audit for admins and supervisors
in their scope; filters, keyset pages, a streamed CSV without personal data; police reveals with their reasons
first; every read of the log is itself audited. Both databases; the page also in Chromium at phone size."""

import ast
import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from test_audit_integrity import _people
from test_cockpit_page import CHROMIUM, needs_browser, server  # noqa: F401  (the live-server fixture)

from backend.audit import AuditEvent
from backend.auth.models import ROLES
from backend.cockpit.auditlog import _actor, mask_ip
from backend.extensions import db
from backend.fire.operations import FROM as HOUSE_STATUS_FROM
from backend.i18n import catalog

A, B = "330326100", "330326101"


@pytest.fixture
def logged(world, houses, login_as, make_user):
    """Tenants in both townships; police of each reveal them in bulk with a reason; a supervisor of A reads a card."""
    a1, a3, b1 = houses.add("A1-1", max_occupants=8), houses.add("A1-3", max_occupants=8), houses.add("B1-1")
    people = {"a1": _people(world, a1, 2), "a3": _people(world, a3, 1, start=2), "b1": _people(world, b1, 1, start=3)}
    police_a, police_b = login_as("police", A), login_as("police", B)
    assert police_a.client.get("/api/v1/cockpit/tenants?reveal=1&reason=案件协查 A-1").status_code == 200
    assert police_b.client.get("/api/v1/cockpit/tenants?reveal=1&reason=案件协查 B-1").status_code == 200
    supervisor = login_as("supervisor", A)
    assert supervisor.client.get(f"/api/v1/houses/{a1}").status_code == 200
    return {"houses": (a1, a3, b1), "people": people, "supervisor": supervisor, "police_a": police_a}


def _get(client, query=""):
    resp = client.get(f"/api/v1/audit?{query}")
    assert resp.status_code == 200, resp.get_data()[:300]
    return resp.get_json()


def test_reveals_with_their_reasons_come_first_and_only_inside_the_scope(logged):
    body = _get(logged["supervisor"].client)
    assert body["kind"] == "reveal" and body["next"] is None
    events = body["events"]
    assert len(events) == 3  # A's three tenants revealed; B's reveal is not in this supervisor's scope
    assert all(e["action"] == "person.reveal" and e["reason"] == "案件协查 A-1" for e in events)
    assert all(e["region_code"].startswith(A) and e["actor"]["role"] == "police" for e in events)
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    wanted = {p[0] for p in logged["people"]["a1"] + logged["people"]["a3"]}
    assert {e["person_id"] for e in events} == wanted


def test_filters_by_person_house_action_actor_and_days(logged, app):
    client = logged["supervisor"].client
    _a1, a3, _ = logged["houses"]
    person = logged["people"]["a1"][0][0]
    by_person = _get(client, f"kind=all&person={person}")["events"]
    # This read is in the log first, under the person it looked for: who looked up whose trail.
    assert next(e["action"] for e in by_person) == "audit.read"
    assert {e["action"] for e in by_person} == {"audit.read", "person.reveal", "person.read"}
    assert all(e["person_id"] == person for e in by_person)
    by_house = _get(client, f"kind=all&house={a3}")["events"]
    assert by_house and all(e["house_id"] == a3 for e in by_house)
    reads = _get(client, "kind=all&action=person.read")["events"]
    assert len(reads) == 2 and all(e["actor"]["role"] == "supervisor" for e in reads)
    prefix = _get(client, "kind=all&action=person.")["events"]
    assert {e["action"] for e in prefix} == {"person.read", "person.reveal"}
    actor = reads[0]["actor"]["id"]
    assert {e["actor"]["id"] for e in _get(client, f"kind=all&actor={actor}")["events"]} == {actor}
    today = date.today()
    around = f"from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
    assert len(_get(client, around)["events"]) == 3
    assert _get(client, f"from={(today + timedelta(days=2)).isoformat()}")["events"] == []


def test_pages_by_keyset_and_refuses_bad_filters(logged):
    client = logged["supervisor"].client
    everything = _get(client, "kind=all&limit=200")["events"]
    seen, cursor = [], ""
    while True:
        page = _get(client, f"kind=all&limit=2{cursor}")
        seen += [e["id"] for e in page["events"] if e["action"] != "audit.read"]
        if page["next"] is None:
            break
        cursor = f"&before={page['next']}"
    assert seen == [e["id"] for e in everything if e["action"] != "audit.read"]
    for bad in ("limit=201", "limit=0", "from=2026-13-01", "kind=x", "person=abc", "action=DROP%20TABLE", "before=-1"):
        resp = client.get(f"/api/v1/audit?{bad}")
        assert resp.status_code == 400, bad
        assert resp.get_json()["error"]["fields"], bad
    assert client.get(f"/api/v1/audit?region={B}").status_code == 404


def test_reading_the_log_is_itself_audited(logged, app):
    a1 = logged["houses"][0]
    _get(logged["supervisor"].client, f"kind=all&house={a1}")
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read")).all()
        assert event.actor_role == "supervisor" and event.region_code == A and event.house_id == a1
        assert event.details == {"format": "json", "filters": {"kind": "all", "house": a1}}


def test_the_csv_is_streamed_and_carries_no_personal_data(logged, app):
    resp = logged["supervisor"].client.get("/api/v1/audit?kind=all&format=csv")
    assert resp.status_code == 200 and resp.is_streamed and resp.mimetype == "text/csv"
    text = resp.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["事件编号", "时间(UTC)", "操作人编号"]
    actions = [r[5] for r in rows[1:]]
    assert actions.count("person.reveal") == 3 and actions.count("person.read") == 2 and "audit.read" in actions
    for _, name, id_number, phone in [p for ps in logged["people"].values() for p in ps]:
        assert name not in text and id_number not in text and phone not in text
    assert all(r[12] in ("", "127.0.*.*") for r in rows[1:])  # the test client's 127.0.0.1, masked
    with app.app_context():
        formats = [
            e.details["format"] for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read"))
        ]
    assert formats == ["csv"]
    assert logged["supervisor"].client.get("/api/v1/audit?format=xlsx").status_code == 400  # no file on disk


def test_an_admin_sees_events_without_a_region_a_supervisor_does_not(logged, login_as):
    admin = login_as("admin").client
    starts = _get(admin, "kind=all&action=session.start")["events"]
    assert starts and any(e["region_code"] is None for e in starts)
    assert _get(logged["supervisor"].client, "kind=all&action=session.start")["events"] == []
    assert len(_get(admin)["events"]) == 4  # every reveal, both townships


def test_residents_and_addresses_are_masked():
    assert _actor("13812345678", "tenant") == "138****5678"
    assert _actor("landlord-wang", "landlord") == "l***"
    assert _actor("police-330326100", "police") == "police-330326100"
    assert mask_ip("203.0.113.7") == "203.0.*.*" and mask_ip("2001:db8:1:2::9") == "2001:db8:1:*"


def test_the_page_is_for_admins_and_supervisors_and_is_audited(logged, client, login_as, app):
    assert client.get("/cockpit/audit").status_code == 401
    assert logged["police_a"].client.get("/cockpit/audit").status_code == 403
    page = logged["supervisor"].client.get("/cockpit/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('data-action="person.reveal"') == 3 and "案件协查 A-1" in html
    assert "案件协查 B-1" not in html and 'href="/api/v1/audit?format=csv' in html
    bad = logged["supervisor"].client.get("/cockpit/audit?from=notaday")
    assert bad.status_code == 400 and 'data-field="from"' in bad.get_data(as_text=True)
    with app.app_context():
        formats = [
            e.details["format"] for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.read"))
        ]
    assert formats == ["page"]
    assert 'id="audit-link"' in logged["supervisor"].client.get("/cockpit").get_data(as_text=True)


# Actions built at run time: the f-string's source → every action it makes (a new one fails the scan below).
DYNAMIC = {"f'house.{status}'": {f"house.{s}" for s in (*HOUSE_STATUS_FROM, "active")}}


def _strings(node, scope, module) -> set[str]:
    """The action strings an expression can be: literals, both sides of an if-else, a name assigned in the same
    function (or module), any value of a module-level dict it subscripts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, scope, module) | _strings(node.orelse, scope, module)
    if isinstance(node, ast.JoinedStr):
        source = ast.unparse(node)
        assert source in DYNAMIC, f"an action built at run time: {source} (list what it makes in DYNAMIC)"
        return DYNAMIC[source]
    if isinstance(node, ast.Dict):
        return set().union(*(_strings(v, scope, module) for v in node.values))
    if isinstance(node, ast.Subscript):
        return _strings(node.value, module, module)
    if isinstance(node, ast.Name):
        found = set()
        for a in ast.walk(scope):
            if not isinstance(a, ast.Assign):
                continue
            for target in a.targets:
                if isinstance(target, ast.Name) and target.id == node.id:
                    found |= _strings(a.value, scope, module)
                elif isinstance(target, ast.Tuple) and isinstance(a.value, ast.Tuple):
                    for t_, v in zip(target.elts, a.value.elts, strict=True):
                        if isinstance(t_, ast.Name) and t_.id == node.id:
                            found |= _strings(v, scope, module)
        assert found, f"cannot tell which actions {node.id} holds"
        return found
    raise AssertionError(f"an action the scan cannot read: {ast.unparse(node)}")


def written_actions() -> dict[str, set[str]]:
    """Every action passed to audit.record(...) / audit.values(...) in backend/, with the files writing it."""
    out: dict[str, set[str]] = {}
    for path in Path("backend").rglob("*.py"):
        module = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [n for n in ast.walk(module) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for scope in scopes:
            for call in ast.walk(scope):
                f = getattr(call, "func", None)
                if not (isinstance(f, ast.Attribute) and f.attr in ("record", "values")):
                    continue
                if not (isinstance(f.value, ast.Name) and f.value.id == "audit"):
                    continue
                for action in _strings(call.args[0], scope, module):
                    out.setdefault(action, set()).add(str(path))
    return out


def test_every_action_the_code_writes_has_a_label_in_both_languages():
    actions = written_actions()
    # The scan finds the direct, conditional, computed and table-driven ones.
    assert {"audit.read", "tenancy.confirm", "tenancy.refuse", "person.read", "person.reveal"} <= set(actions)
    assert {"tenancy.presented_read", "house.closed", "house.active", "doorplate.activate"} <= set(actions)
    assert len(actions) >= 40
    for lang in ("zh-CN", "en"):
        missing = sorted(a for a in actions if not catalog(lang).get(f"audit.action.{a}"))
        assert not missing, (lang, missing)
    labelled = {k.removeprefix("audit.action.") for k in catalog("zh-CN") if k.startswith("audit.action.")}
    prefixes = {a for a in labelled if a.endswith(".")}
    assert labelled - prefixes == set(actions)  # no label for an action nothing writes
    assert all(any(a.startswith(p) for a in actions) for p in prefixes)
    assert catalog("zh-CN")["audit.action.tenancy."] == "入住登记（全部）"
    for lang in ("zh-CN", "en"):
        assert all(catalog(lang).get(f"audit.role.{r}") for r in ROLES), lang
    zh = [v for k, v in catalog("zh-CN").items() if k.startswith(("audit.action.", "audit.role.", "audit.page."))]
    assert not [v for v in zh if any(c in v for c in "(),;:")]  # full-width punctuation in zh-CN


def test_the_csv_says_its_charset_once(logged):
    resp = logged["supervisor"].client.get("/api/v1/audit?format=csv")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    resp.close()


def test_the_page_labels_actions_and_roles_and_hides_empty_fields(logged):
    client = logged["supervisor"].client
    html = client.get("/cockpit/audit").get_data(as_text=True)
    # The default view says what it shows and links to every event.
    assert "目前只显示公安查看明文的记录。" in html
    assert 'id="all-events" class="button secondary" href="?kind=all"' in html
    assert "公安民警" in html and '<small class="role" data-role="police">' in html
    html = client.get("/cockpit/audit?kind=all&action=person.read").get_data(as_text=True)
    assert 'id="all-events"' not in html
    assert html.count('查看人员信息 <small class="key">person.read</small>') == 2
    assert "监管人员" in html and ">supervisor<" not in html
    assert '<td data-label="事由" class="blank">' in html  # a read has no reason: no empty row on the card
    # The 操作 filter is a select of the labelled actions, the chosen one selected, prefixes first in their group.
    assert '<select name="action">' in html and '<option value="person.read" selected>' in html
    assert '<option value="tenancy.">入住登记（全部）</option>' in html
    assert html.index('value="tenancy."') < html.index('value="tenancy.check_in"')
    html = client.get("/cockpit/audit?kind=all&action=tenancy.").get_data(as_text=True)
    assert '<option value="tenancy." selected>' in html


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright
    from test_cockpit_page import ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True, has_touch=True)
        page.set_default_timeout(20_000)
        page.errors = []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        browser.close()


@needs_browser
def test_the_audit_page_filters_on_a_phone(logged, server, phone, make_user):  # noqa: F811
    page = phone
    page.goto(f"{server}/cockpit")
    page.fill("#username", make_user("admin", username="admin-phone"))
    page.fill("#password", "correct-horse-battery")
    page.click("#login button[type=submit]")
    page.wait_for_selector("#audit-link")
    page.click("#audit-link")
    page.wait_for_selector("#events")
    assert page.locator("#events tbody tr").count() == 4  # both townships' reveals
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than a phone
    # Every tap target 44×44 CSS px or more, every text 14 px or more.
    sizes = page.eval_on_selector_all(
        "#back, #csv, #filters button, #filters select, #filters input, #all-events, #events a",
        "es => es.map(e => { const r = e.getBoundingClientRect(); return [e.id || e.tagName, r.width, r.height] })",
    )
    assert sizes and [s for s in sizes if s[1] < 44 or s[2] < 44] == []
    fonts = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.offsetParent && e.childNodes.length && "
        "[...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert fonts and min(fonts) >= 14
    labels = page.eval_on_selector_all("#events tbody tr td:nth-child(2) .role", "es => es.map(e => e.textContent)")
    assert labels and set(labels) == {"公安民警"}
    page.click("#all-events")
    page.wait_for_url("**kind=all**")
    page.select_option("select[name=action]", "person.read")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**action=person.read**")
    rows = page.eval_on_selector_all("#events tbody tr", "rs => rs.map(r => r.dataset.action)")
    assert rows == ["person.read", "person.read"]
    blank = page.locator("#events tbody tr:first-child td.blank")  # a read has no reason: no empty row on its card
    assert blank.count() >= 1 and not any(blank.nth(i).is_visible() for i in range(blank.count()))
    person = page.inner_text("#events tbody tr:first-child td:nth-child(4)")
    page.click("#events tbody tr:first-child td:nth-child(4) a")
    page.wait_for_url(f"**person={person}**")
    assert page.locator("#events tbody tr").count() == 1
    assert "person=" + person in page.get_attribute("#csv", "href")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.errors == []
