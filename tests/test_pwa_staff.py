# ruff: noqa: F811  (the fixtures of test_pwa are imported by name, then requested as arguments)
"""The staff screens of the app in Debian's chromium at 360×740: offline visits with camera photos (each stored
once, also when the flush is cut and the page killed), grid houses, a fire officer's notice and re-inspection,
the supervisor's lists."""

import io
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import func, select
from test_pwa import (  # noqa: F401  (fixtures)
    AT_A1_1,
    CHROMIUM,
    CHROMIUM_ARGS,
    GRID,
    log_in,
    needs_browser,
    open_app,
    phone,
    playwright,
    server,
    task_of,
)

from backend.extensions import db

TOWN = "330326100"
CHECKS = ("address_matches", "rooms_match", "fire_self_check_confirmed")


def camera_photo(tmp_path, name, colour):
    """What the phone's camera hands the page: a JPEG bigger than the app keeps (it shrinks it to 1600 px)."""
    path = tmp_path / name
    Image.new("RGB", (2000, 1500), colour).save(path, "JPEG", quality=90)
    return path


def server_state(app):
    """(task id → number of verifications, [(photo id, verification id)]) as the server has them."""
    from backend.uploads.models import Photo
    from backend.verification.models import Verification

    with app.app_context():
        visits = dict(
            db.session.execute(
                select(Verification.task_id, func.count(Verification.id)).group_by(Verification.task_id)
            ).all()
        )
        photos = db.session.execute(select(Photo.id, Photo.verification_id).order_by(Photo.id)).all()
        return visits, [tuple(p) for p in photos]


def verify_with_photo(page, task, photo):
    page.click(f"[data-task='{task}']")
    page.wait_for_selector("#fix:has-text('±12')")
    for item in CHECKS:
        page.check(f"[data-item={item}]")
    page.check("input[name=outcome][value=approved]")
    page.set_input_files("#verify-photos-input", str(photo))
    page.wait_for_selector("#verify-photos-thumbs [data-photo='0'] img")
    page.click("#verify button[type=submit]")
    page.wait_for_selector(f"[data-task='{task}'] .tag")  # back on the list, marked as waiting


def assert_each_once(app, tasks):
    visits, photos = server_state(app)
    assert visits == {task: 1 for task in tasks}
    assert len(photos) == len(tasks), photos
    attached = [verification for _, verification in photos]
    assert None not in attached and len(set(attached)) == len(tasks), "one photo on each visit"


@needs_browser
def test_two_offline_visits_with_photos_reach_the_server_once_each(app, houses, make_user, server, phone, tmp_path):
    tasks = [task_of(app, houses.add(code, status="declared")) for code in ("A1-1", "A1-2")]
    make_user("grid_worker", GRID, username="grid-wu")
    page = phone(geolocation=AT_A1_1, permissions=["geolocation"])
    open_app(page, server + "/app/#/tasks")
    log_in(page, "grid-wu")
    page.wait_for_selector("[data-task]")

    page.context.set_offline(True)
    page.reload()  # the shell from the service worker's cache, the task list from its API cache
    page.wait_for_selector(f"[data-task='{tasks[0]}']")
    for n, task in enumerate(tasks):
        verify_with_photo(page, task, camera_photo(tmp_path, f"p{n}.jpg", (40 + 100 * n, 90, 30)))
    page.wait_for_selector("#outbox-indicator[data-pending='4']")  # two photos, two visits
    assert server_state(app) == ({}, [])

    page.context.set_offline(False)
    page.wait_for_selector("#outbox-indicator[data-pending='0']")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a second flush has nothing left to send
    page.wait_for_timeout(300)
    assert_each_once(app, tasks)
    from backend.uploads.models import Photo

    with app.app_context():  # shrunk on the phone before it was queued
        assert max(db.session.scalars(select(Photo.width))) <= 1600


@needs_browser
def test_a_flush_cut_off_and_a_page_killed_mid_flush_still_store_each_visit_and_photo_once(
    app, houses, make_user, server, playwright, tmp_path
):
    tasks = [task_of(app, houses.add(code, status="declared")) for code in ("A1-1", "A1-2")]
    make_user("grid_worker", GRID, username="grid-wu")
    profile = tmp_path / "profile"

    def open_phone():
        # Playwright cannot intercept requests of a page its service worker controls; the outbox needs none.
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 360, "height": 740},
            locale="zh-CN",
            geolocation=AT_A1_1,
            permissions=["geolocation"],
            service_workers="block",
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(15_000)
        return context, page

    context, page = open_phone()
    page.goto(server + "/app/#/tasks")
    log_in(page, "grid-wu")
    page.wait_for_selector("[data-task]")

    # Writes find no network (the stairwell); reads still work, so the list can be walked.
    seen, state = [], {"phase": "offline"}

    def network(route):
        request = route.request
        if request.method != "POST" or "/auth/" in request.url:
            return route.continue_()
        if state["phase"] == "offline":
            return route.abort("internetdisconnected")
        seen.append(request.url.rsplit("/api/v1/", 1)[1])
        if len(seen) == 1:  # the first photo reaches the server, its answer is lost
            route.fetch()
            return route.abort("connectionreset")
        if len(seen) == 3:  # the first visit reaches the server … and the phone dies before the answer
            route.fetch()
            state["phase"] = "killed"
            return None  # never answered
        return route.continue_()

    page.route("**/api/v1/**", network)
    for n, task in enumerate(tasks):
        verify_with_photo(page, task, camera_photo(tmp_path, f"p{n}.jpg", (200, 40 + 100 * n, 30)))
    page.wait_for_selector("#outbox-indicator[data-pending='4']")

    def wait_until(condition):
        for _ in range(150):
            if condition():
                return
            page.wait_for_timeout(100)
        raise AssertionError(seen)

    state["phase"] = "online"
    page.evaluate("window.dispatchEvent(new Event('online'))")  # round 1: cut at the first photo
    wait_until(lambda: len(seen) == 1)
    page.wait_for_timeout(500)  # the round stores the failure and ends
    assert server_state(app)[1] != [] and server_state(app)[0] == {}
    page.evaluate("window.dispatchEvent(new Event('online'))")  # round 2: photo 1 again, then its visit …
    wait_until(lambda: state["phase"] == "killed")
    context.close()  # killed mid-flush: visit 1 stored on the server, the phone never heard
    assert seen == ["photos", "photos", f"tasks/{tasks[0]}/verify"]
    visits, photos = server_state(app)
    assert visits == {tasks[0]: 1} and len(photos) == 1, (visits, photos)

    # The phone starts again: the outbox is still in IndexedDB and replays what it never saw answered.
    context, page = open_phone()
    page.goto(server + "/app/#/outbox")
    page.wait_for_selector("#login, #last-sync")
    if page.locator("#login").count():  # the session cookie died with the browser
        log_in(page, "grid-wu")
    page.wait_for_selector("#outbox-indicator[data-pending='0']")
    page.wait_for_timeout(300)
    context.close()
    assert_each_once(app, tasks)


@needs_browser
def test_the_grid_worker_sees_the_grids_houses_least_recently_visited_first(app, houses, make_user, server, phone):
    seen_house, fresh, red = houses.add("A1-1"), houses.add("A1-2", status="declared"), houses.add("A1-3", "closed")
    houses.add("B1-1")  # another township
    make_user("grid_worker", GRID, username="grid-wu")
    page = phone()
    open_app(page, server + "/app/#/grid-houses")
    log_in(page, "grid-wu")
    page.wait_for_selector("#grid-houses li")
    ids = page.locator("#grid-houses li").evaluate_all("els => els.map(e => Number(e.dataset.houseId))")
    in_grid = {seen_house, fresh}  # A1-3 lies in the grid next door
    assert set(ids) == in_grid and red not in ids
    colours = page.locator("#grid-houses li").evaluate_all("els => els.map(e => e.dataset.colour)")
    assert sorted(colours) == ["green", "grey"]
    # Green and never visited: due for a patrol; grey waits for its verification instead.
    assert page.locator(f"[data-house-id='{seen_house}'] [data-patrol-due]").count() == 1
    assert page.locator(f"[data-house-id='{fresh}'] [data-patrol-due]").count() == 0
    page.click("[data-filter=grey]")
    page.wait_for_function("document.querySelectorAll('#grid-houses li').length === 1")
    page.click(f"[data-house-id='{fresh}'] a")
    page.wait_for_selector(f"#house-card[data-house-id='{fresh}'][data-colour=grey]")
    page.click("#verify-house")  # still awaiting its visit: the form is one tap away
    page.wait_for_selector("#verify")
    page.goto(server + "/app/#/grid-houses")
    page.click(f"[data-house-id='{seen_house}'] a")
    page.wait_for_selector(f"#house-card[data-house-id='{seen_house}'][data-colour=green]")
    assert page.locator("#verify-house").count() == 0


def issue_rectification_for(login_as, house, officer):
    deadline = (date.today() + timedelta(days=10)).isoformat()
    body = {
        "kind": "rectification",
        "title": "消防整改",
        "legal_basis": "消防法第十六条",
        "deadline": deadline,
        "items": [{"description": "灭火器过期"}, {"description": "疏散通道堆放杂物"}],
    }
    resp = officer.post(f"/api/v1/houses/{house}/notices", body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def notices_of(app, house):
    from backend.fire.models import FireNotice

    with app.app_context():
        return db.session.execute(
            select(FireNotice.kind, FireNotice.status, FireNotice.outcome, FireNotice.parent_id, FireNotice.amount)
            .where(FireNotice.house_id == house)
            .order_by(FireNotice.id)
        ).all()


@needs_browser
def test_a_fire_officer_issues_a_rectification_from_the_plate_and_a_penalty_offline_exactly_once(
    app, houses, make_user, server, phone
):
    house = houses.add("A1-1")
    token, _, _ = houses.plate(house)
    make_user("fire_officer", TOWN, username="fire-zhao")
    page = phone()
    open_app(page, f"{server}/app/#/plate/{token}")
    page.wait_for_selector("#plate-code")
    page.goto(f"{server}/app/#/login?next=%23%2Fplate%2F{token}")
    log_in(page, "fire-zhao")
    page.click("#issue-notice")
    page.wait_for_selector("#notice-form")
    page.fill("#n-title", "消防安全整改")
    page.fill("#n-items", "")
    page.fill("#n-deadline", (date.today() + timedelta(days=400)).isoformat())
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector("[data-error-for=items]")  # checked on the phone first
    page.fill("#n-items", "更换过期灭火器\n清理楼道杂物")
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector("[data-error-for=deadline]")  # the server's window (≤ 365 days) comes back on the form
    assert notices_of(app, house) == []
    page.fill("#n-deadline", (date.today() + timedelta(days=30)).isoformat())
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector(f"#house-card[data-house-id='{house}']")
    [(kind, status, *_)] = notices_of(app, house)
    assert (kind, status) == ("rectification", "issued")

    # Offline: a penalty decision waits in the outbox and is issued once when the network returns.
    page.context.set_offline(True)
    page.click("#issue-notice")
    page.check("input[name=kind][value=penalty]")
    page.fill("#n-title", "行政处罚决定")
    page.fill("#n-amount", "500")
    page.fill("#n-decision_number", "平消罚决字〔2026〕12号")
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector("#outbox-indicator[data-pending='1']")
    # Let the house record it returns to finish drawing (a late screen would draw over the next one).
    page.wait_for_selector(f"#house-card[data-house-id='{house}']")
    page.context.set_offline(False)
    page.wait_for_selector("#outbox-indicator[data-pending='0']")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(300)
    assert [(k, float(a) if a else None) for k, _, _, _, a in notices_of(app, house)] == [
        ("rectification", None),
        ("penalty", 500.0),
    ]

    # My open notices, soonest deadline first (the penalty has none: last).
    page.goto(f"{server}/app/#/my-notices")
    page.wait_for_selector("#notices li")
    statuses = page.locator("#notices li").evaluate_all("els => els.map(e => e.dataset.status)")
    assert len(statuses) == 2 and "剩 30 天" in page.inner_text("#notices li:first-child")
    assert "行政处罚决定" in page.inner_text("#notices li:last-child")


@needs_browser
def test_a_fire_officer_reinspects_passing_one_item_and_failing_the_other_with_a_new_deadline(
    app, houses, make_user, login_as, server, phone
):
    landlord = login_as("landlord", username="landlord-wang")
    house = houses.add("A1-1", landlord="landlord-wang")
    officer = login_as("fire_officer", TOWN, "fire-zhao")
    notice = issue_rectification_for(login_as, house, officer)
    from loop_helpers import jpeg

    evidence = []
    for item in notice["items"]:
        up = landlord.client.post(
            "/api/v1/photos",
            data={"photo": (io.BytesIO(jpeg()), "p.jpg")},
            headers={"X-CSRF-Token": landlord.csrf},
            content_type="multipart/form-data",
        )
        assert up.status_code == 201, up.get_json()
        evidence.append({"item_id": item["id"], "note": "已整改", "photos": [up.get_json()["id"]]})
    assert landlord.post(f"/api/v1/notices/{notice['id']}/evidence", {"items": evidence}).status_code == 200

    page = phone()
    open_app(page, server + "/app/#/reinspect")
    log_in(page, "fire-zhao")
    page.click(f"#notices [data-notice-id='{notice['id']}'] a")
    page.wait_for_selector("#reinspect")
    first, second = (item["id"] for item in notice["items"])
    assert page.locator(f"[data-item-id='{first}'] img").count() == 1  # the landlord's evidence photo
    page.wait_for_function(f"document.querySelector(\"[data-item-id='{first}'] img\").naturalWidth > 0")
    page.check(f"[data-item-id='{first}'] [data-verdict=passed]")
    page.check(f"[data-item-id='{second}'] [data-verdict=failed]")
    page.fill("#n-deadline", (date.today() + timedelta(days=5)).isoformat())
    page.click("#reinspect button[type=submit]")
    page.wait_for_selector("#notices")
    rows = notices_of(app, house)
    assert [(k, s, o) for k, s, o, _, _ in rows] == [
        ("rectification", "closed", "partly_accepted"),
        ("rectification", "issued", None),
    ]
    assert rows[1][3] == notice["id"]


@needs_browser
def test_a_supervisor_filters_the_lists_and_finds_the_cockpit(app, houses, make_user, server, phone):
    green, closed = houses.add("A1-1"), houses.add("A2-1", status="closed")
    houses.add("B1-1")  # 鳌江镇: outside the supervisor's township
    make_user("supervisor", TOWN, username="boss-chen")
    page = phone()
    open_app(page, server + "/app/#/lists")
    log_in(page, "boss-chen")
    page.wait_for_selector("#lists li")
    ids = page.locator("#lists li").evaluate_all("els => els.map(e => Number(e.dataset.houseId))")
    assert sorted(ids) == sorted([green, closed])
    page.select_option("#f-status", "closed")
    page.wait_for_function("location.hash === '#/lists?status=closed'")
    listed = "[...document.querySelectorAll('#lists li')].map(e => e.dataset.houseId).join()"
    page.wait_for_function(f"{listed} === '{closed}'")
    assert page.get_attribute("#cockpit-link", "href") == "/cockpit"

    page.select_option("#f-status", "")
    page.fill("#f-q", "县前街 5号")
    page.press("#f-q", "Enter")
    page.wait_for_function("location.hash.includes('q=')")
    page.wait_for_function(f"{listed} === '{closed}'")
    page.fill("#f-q", "解放街")
    page.press("#f-q", "Enter")
    page.wait_for_function(f"{listed} === '{green}'")


@needs_browser
def test_police_see_occupants_masked_and_reveal_one_for_a_reason_that_is_audited(
    app, houses, make_user, login_as, server, phone
):
    from loop_helpers import person

    from backend.audit import AuditEvent

    house = houses.add("A1-1")
    token, _, _ = houses.plate(house)
    tenant = login_as("tenant", username="tenant-li")
    who = {**person(3), "room": "301", "move_in": date.today().isoformat()}
    assert tenant.post(f"/api/v1/doorplates/{token}/check-in", who).status_code == 201
    make_user("police", "330326", username="police-lin")
    page = phone()
    open_app(page, f"{server}/app/#/house/{house}")
    log_in(page, "police-lin")
    page.wait_for_selector("#occupants [data-action=reveal]")
    assert who["id_number"] not in page.inner_text("#occupants") and who["phone"][-4:] in page.inner_text("#occupants")
    page.click("#occupants [data-action=reveal]")
    page.fill("#occupants input[name=reason]", "查")
    page.click("#occupants form button[type=submit]")
    page.wait_for_selector("#occupants [data-error-for=reason]")  # too short: the server's rule
    page.fill("#occupants input[name=reason]", "治安检查核实身份")
    page.click("#occupants form button[type=submit]")
    page.wait_for_selector("#occupants .revealed")
    assert who["id_number"] in page.inner_text("#occupants .revealed")
    with app.app_context():
        reasons = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "person.reveal")).all()
    assert [r["reason"] for r in reasons] == ["治安检查核实身份"]
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
    assert who["id_number"] not in kept


@needs_browser
def test_a_fire_officer_escalates_an_overdue_order_closing_the_house_with_a_penalty(
    app, houses, make_user, server, phone
):
    from backend.fire.models import FireNotice
    from backend.houses.models import House

    late = date.today() - timedelta(days=3)
    house = houses.add("A1-1", notices=[("rectification", "疏通消防通道", late, "overdue")])
    with app.app_context():
        notice = db.session.scalar(select(FireNotice.id).where(FireNotice.house_id == house))
    make_user("fire_officer", TOWN, username="fire-zhao")
    page = phone()
    open_app(page, f"{server}/app/#/notice/{notice}")
    log_in(page, "fire-zhao")
    page.wait_for_selector("#escalate")
    page.click("#escalate button[type=submit]")
    page.wait_for_selector("#escalate [role=alert]:not(:empty)")  # neither chosen: nothing sent
    page.check("#escalate input[name=house_action][value=close]")
    page.check("#escalate input[name=with_penalty]")
    page.fill("#e-amount", "2000")
    page.fill("#e-decision_number", "平消罚决字〔2026〕31号")
    page.click("#escalate button[type=submit]")
    page.wait_for_selector(f"#house-card[data-house-id='{house}'][data-colour=red]")
    with app.app_context():
        assert db.session.get(House, house).status == "closed"
        rows = db.session.execute(
            select(FireNotice.kind, FireNotice.status, FireNotice.amount).where(FireNotice.house_id == house)
        ).all()
    assert sorted((k, s, a and float(a)) for k, s, a in rows) == [
        ("penalty", "issued", 2000.0),
        ("rectification", "escalated", None),
    ]


@needs_browser
def test_a_fire_officer_reopens_a_closed_house_only_after_closing_its_penalty(app, houses, make_user, server, phone):
    from backend.fire.models import FireNotice
    from backend.houses.models import House

    house = houses.add("A1-1", status="closed", notices=[("penalty", "行政处罚决定书", None, "issued")])
    make_user("fire_officer", TOWN, username="fire-zhao")
    page = phone()
    open_app(page, f"{server}/app/#/house/{house}")
    log_in(page, "fire-zhao")
    # The screen says what keeps the house shut: the open penalty, one tap away.
    page.wait_for_selector("#reopen[data-blocked=penalty]")
    assert "处罚决定尚未结案" in page.inner_text("#reopen")
    page.click("#reopen a[data-notice-id]")
    page.click("#resolve button[type=submit]")
    page.click("#resolve button[type=submit]:has-text('确认结案')")  # closing asks once more, in the page
    page.wait_for_selector("form#reopen")
    page.click("form#reopen button[type=submit]")  # no reason: the field says so, in its own words
    page.wait_for_selector("form#reopen [data-error-for=reason]")
    assert "恢复出租" in page.inner_text("form#reopen [data-error-for=reason]")
    page.fill("#r-reason", "处罚已缴纳,复查合格")
    page.click("form#reopen button[type=submit]")
    page.wait_for_selector(f"#house-card[data-house-id='{house}'][data-colour=green]")
    with app.app_context():
        assert db.session.get(House, house).status == "active"
        assert db.session.scalar(select(FireNotice.outcome).where(FireNotice.house_id == house)) == "resolved"


def _open_the_house_then_go_home(page, server, username, house_id, slow):
    """Log in, open the house record with the server slowed down, and go home before it answers."""
    open_app(page, server + "/app/#/")
    log_in(page, username)
    page.wait_for_selector("a[data-menu=lists]")
    slow.append(True)
    page.evaluate(f"location.hash = '#/house/{house_id}'")
    page.wait_for_timeout(300)
    page.evaluate("location.hash = '#/'")
    page.wait_for_selector("a[data-menu=lists]")


def _until_answered(page, answered):
    """Until the slowed answer has left the server (6 s at most), and time for a late draw, had there been one."""
    for _ in range(60):
        if answered:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(800)


@needs_browser
def test_a_late_answer_for_a_screen_left_behind_never_draws_over_the_next(app, houses, make_user, server, phone):
    """One bar of signal: the house record's answer arrives after the user has gone home; home stays shown."""
    import time

    from flask import request

    house_id = houses.add("A1-1")
    make_user("supervisor", TOWN, username="boss-late")
    slow, answered = [], []

    @app.before_request
    def hold_the_list():  # the service worker fetches API reads itself, out of page.route's reach: slow the server
        if slow and request.path == f"/api/v1/houses/{house_id}":
            time.sleep(1.5)
            answered.append(request.full_path)

    page = phone()
    _open_the_house_then_go_home(page, server, "boss-late", house_id, slow)
    _until_answered(page, answered)
    assert answered, "the house was never asked for"
    assert page.locator("a[data-menu=lists]").count() == 1, page.inner_text("#view")


@needs_browser
def test_a_late_answer_for_a_screen_left_and_opened_again_never_draws_over_it(app, houses, make_user, server, phone):
    """A → B → A: the first visit's house answer arrives after the house was opened again (the same URL hash); the
    screen shown is not drawn again under the user's thumb (the guard keys on navigations, not on the hash)."""
    import time

    from flask import request

    house_id = houses.add("A1-2")
    make_user("supervisor", TOWN, username="boss-again")
    slow, asked, answered = [], [], []

    @app.after_request
    def hold_the_first_read(response):  # the service worker fetches API reads itself, out of page.route's reach
        if not slow or request.path != f"/api/v1/houses/{house_id}":
            return response
        asked.append(request.full_path)
        if len(asked) == 1:
            # Headers now, body in 3 s: Chromium's HTTP cache holds a second read of the same URL only until the
            # first one's headers say it is not to be stored.
            body, path = response.get_data(), request.full_path

            def later():
                yield b""
                time.sleep(3)
                answered.append(path)
                yield body

            response.headers["Cache-Control"] = "no-store"
            response.response = later()
        return response

    page = phone()
    _open_the_house_then_go_home(page, server, "boss-again", house_id, slow)
    page.evaluate(f"location.hash = '#/house/{house_id}'")
    page.wait_for_selector("#house-card")
    page.evaluate("document.getElementById('view').append(Object.assign(document.createElement('i'), {id: 'drawn'}))")
    assert not answered, "the first answer came before the house was opened again: the test proves nothing"
    _until_answered(page, answered)
    assert answered and len(asked) == 2, asked
    assert page.locator("#view #drawn").count() == 1, "the first visit's late answer redrew the house screen"
