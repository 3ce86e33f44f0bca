"""Issue #14 item 16: the audit log can be read — GET /api/v1/audit and /cockpit/audit for admins and supervisors
in their scope; filters, keyset pages, a streamed CSV without personal data; police reveals with their reasons
first; every read of the log is itself audited. Both databases; the page also in Chromium at phone size."""

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from test_audit_integrity import _people
from test_cockpit_page import CHROMIUM, needs_browser, server  # noqa: F401  (the live-server fixture)

from backend.audit import AuditEvent
from backend.cockpit.auditlog import _actor, mask_ip
from backend.extensions import db

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


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright
    from test_cockpit_page import ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
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
    page.select_option("select[name=kind]", "all")
    page.fill("input[name=action]", "person.read")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**action=person.read**")
    rows = page.eval_on_selector_all("#events tbody tr", "rs => rs.map(r => r.dataset.action)")
    assert rows == ["person.read", "person.read"]
    person = page.inner_text("#events tbody tr:first-child td:nth-child(4)")
    page.click("#events tbody tr:first-child td:nth-child(4) a")
    page.wait_for_url(f"**person={person}**")
    assert page.locator("#events tbody tr").count() == 1
    assert "person=" + person in page.get_attribute("#csv", "href")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.errors == []
