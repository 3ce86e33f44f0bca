# ruff: noqa: F811  (the fixtures of test_pwa are imported by name, then requested as arguments)
"""Item 7 of issue #14 in the app (Debian's chromium): a grid worker's approval 2 km from the door is told it went
to review; the township supervisor's review list sends back (only with a reason) and approves."""

import json
from pathlib import Path

from test_pwa import (  # noqa: F401  (fixtures)
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

FAR_FROM_A1_1 = {"latitude": 27.628, "longitude": 120.505, "accuracy": 12}  # 2 km north of the door
CATALOGS = [json.loads(p.read_text(encoding="utf-8")) for p in Path("pwa/i18n").glob("*.json")]


def texts(key):
    return [c[key] for c in CATALOGS]


def house_status(app, house_id):
    from backend.houses.models import House

    with app.app_context():
        return db.session.get(House, house_id).status


@needs_browser
def test_a_far_approval_is_reported_as_sent_to_review_and_the_supervisor_settles_it(
    app, houses, make_user, server, phone
):
    house = houses.add("A1-1", status="declared")
    task = task_of(app, house)
    make_user("grid_worker", GRID, username="grid-wu")
    make_user("supervisor", "330326100", username="sup-zhao")

    worker = phone(geolocation=FAR_FROM_A1_1, permissions=["geolocation"])
    open_app(worker, server + f"/app/#/tasks/{task}")
    log_in(worker, "grid-wu")
    worker.wait_for_selector("#fix:has-text('±12')")
    for item in ("address_matches", "rooms_match", "fire_self_check_confirmed"):
        worker.check(f"[data-item={item}]")
    worker.check("input[name=outcome][value=approved]")
    worker.click("#verify button[type=submit]")
    worker.wait_for_selector("#toast:not([hidden])")
    assert worker.inner_text("#toast") in texts("verify.review")
    assert house_status(app, house) == "declared"

    supervisor = phone()
    open_app(supervisor, server + "/app/#/reviews")
    log_in(supervisor, "sup-zhao")
    supervisor.wait_for_selector(f"[data-task='{task}']")
    item = supervisor.locator(f"[data-task='{task}']")
    for button in item.locator("button").all():  # a thumb's target: at least 44×44 CSS px
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    item.locator("button.secondary").click()  # send back without a reason: refused in the page
    assert item.locator(".error").inner_text() in texts("reviews.need_reason")
    item.locator("button:not(.secondary)").click()
    supervisor.wait_for_selector(f"[data-task='{task}']", state="detached")
    # The toast uses the screen's width: one line for a short text, never a narrow box broken mid-word.
    supervisor.wait_for_selector("#toast:not([hidden])")
    toast = supervisor.locator("#toast").bounding_box()
    assert toast["height"] < 60 or toast["width"] > 360 * 0.8, toast
    assert house_status(app, house) == "active"
