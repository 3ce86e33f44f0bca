# ruff: noqa: F811  (the fixtures of test_pwa are imported by name, then requested as arguments)
"""What a walk through the app at 360×740 in zh-CN found (issue 14): an identity conflict settled on the house
record by police, a penalty without amount or number never reads "null" and closes only on a second tap, the
house record's 最近记录 tells a closure and who closed a notice, the landlord's notices say overdue once."""

from datetime import date

from sqlalchemy import select
from test_pwa import (  # noqa: F401  (fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    log_in,
    needs_browser,
    open_app,
    phone,
    playwright,
    server,
)

from backend.extensions import db

TOWN = "330326100"


@needs_browser
def test_police_settle_an_identity_conflict_on_the_house_record(app, houses, make_user, login_as, server, phone):
    from loop_helpers import person

    from backend.audit import AuditEvent
    from backend.tenancy.models import Tenancy

    make_user("landlord", username="landlord-a")
    make_user("landlord", username="landlord-b")
    first, second = houses.add("A1-1", landlord="landlord-a"), houses.add("A1-2", landlord="landlord-b")
    real = {**person(1), "move_in": date.today().isoformat()}
    fake = {**real, "name": "冒名", "phone": "13900009999"}
    tenant = login_as("tenant", username="tenant-real")
    assert tenant.post(f"/api/v1/doorplates/{houses.plate(first)[0]}/check-in", real).status_code == 201
    other = login_as("tenant", username="tenant-other")
    assert other.post(f"/api/v1/doorplates/{houses.plate(second)[0]}/check-in", fake).status_code == 201
    make_user("police", "330326", username="police-lin")
    page = phone()
    open_app(page, f"{server}/app/#/house/{second}")
    log_in(page, "police-lin")
    form = "#occupants form.resolve"
    page.wait_for_selector(form)
    text = page.inner_text(form)
    assert "保留原档案" in text and "按入住时填写更正档案" in text and "拒绝本次入住" in text
    assert "冒*" in text and "null" not in text and "undefined" not in text
    # No choice, no reason: both fields say so, and the first is scrolled into view.
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} [data-error-for=outcome]")
    assert page.is_visible(f"{form} [data-error-for=reason]")
    page.check(f"{form} input[name=outcome][value=refuse]")
    page.fill(f"{form} input[name=reason]", "查")  # the server's rule too; the page checks it first
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f"{form} [data-error-for=reason]")
    in_view = page.evaluate(
        f"""() => {{ const r = document.querySelector('{form} [data-error-for=reason]').getBoundingClientRect();
                     return r.top >= 0 && r.bottom <= innerHeight; }}"""
    )
    assert in_view
    page.fill(f"{form} input[name=reason]", "电话核实,冒用他人证件")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#occupants .resolved[data-outcome=refuse][data-sent=sent]")
    assert "本次入住已拒绝" in page.inner_text("#occupants .resolved")
    with app.app_context():
        tenancy = db.session.scalar(select(Tenancy).where(Tenancy.house_id == second))
        assert (tenancy.status, tenancy.conflict) == ("refused", "refused")
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenancy.resolve_conflict")).all()
        assert event.details["outcome"] == "refuse" and event.details["reason"] == "电话核实,冒用他人证件"


@needs_browser
def test_a_penalty_without_amount_reads_no_null_and_closes_on_a_second_tap(app, houses, make_user, server, phone):
    from backend.auth.models import User
    from backend.fire.models import FireNotice

    house = houses.add("A1-1", status="closed", notices=[("penalty", "行政处罚决定书", None, "issued")])
    make_user("fire_officer", TOWN, username="fire-zhao")
    with app.app_context():
        notice = db.session.scalar(select(FireNotice.id).where(FireNotice.house_id == house))
        by = db.session.scalar(select(User.display_name).where(User.username == "fire-zhao"))
    page = phone()
    open_app(page, f"{server}/app/#/notice/{notice}")
    log_in(page, "fire-zhao")
    page.wait_for_selector("#penalty-line")
    line = page.inner_text("#penalty-line")
    assert "null" not in page.inner_text("main") and line == "罚款金额未填写 · 文号未填写", line
    page.click("#resolve button[type=submit]")  # the first tap asks
    page.wait_for_selector("#resolve-confirm-text:visible")
    with app.app_context():
        assert db.session.scalar(select(FireNotice.status).where(FireNotice.id == notice)) == "issued"
    page.click("#resolve-cancel")  # not now: nothing sent, the question goes
    page.wait_for_selector("#resolve-confirm-text", state="hidden")
    page.click("#resolve button[type=submit]")
    page.click("#resolve button[type=submit]:has-text('确认结案')")
    page.wait_for_selector(f"#house-card[data-house-id='{house}']")
    with app.app_context():
        assert db.session.scalar(select(FireNotice.status).where(FireNotice.id == notice)) == "closed"
    # The house record's 最近记录: who closed the decision.
    page.wait_for_selector(".timeline li")
    timeline = page.inner_text(".timeline")
    assert f"{by} 办结：行政处罚决定书" in timeline, timeline


@needs_browser
def test_the_house_record_shows_a_closure_and_who_did_it(app, houses, make_user, login_as, server, phone):
    from backend.auth.models import User

    house = houses.add("A1-1")
    officer = login_as("fire_officer", TOWN, "fire-zhao")
    resp = officer.post(f"/api/v1/houses/{house}/status", json={"status": "closed", "reason": "拒不整改"})
    assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        by = db.session.scalar(select(User.display_name).where(User.username == "fire-zhao"))
    make_user("supervisor", TOWN, username="boss-wang")
    page = phone()
    open_app(page, f"{server}/app/#/house/{house}")
    log_in(page, "boss-wang")
    page.wait_for_selector(".timeline li")
    assert f"{by} 取缔（拒不整改）" in page.inner_text(".timeline")


@needs_browser
def test_landlord_notices_say_overdue_once_and_no_unread_on_closed(app, houses, make_user, server, phone):
    from datetime import timedelta

    make_user("landlord", username="landlord-a")
    past = date.today() - timedelta(days=4)
    houses.add(
        "A1-1",
        landlord="landlord-a",
        notices=[("rectification", "整改通知书", past, "overdue"), ("penalty", "行政处罚决定书", None, "closed")],
    )
    page = phone()
    open_app(page, f"{server}/app/#/notices")
    log_in(page, "landlord-a")
    page.wait_for_selector("[data-notice-id][data-status=closed]")
    late = page.inner_text("[data-notice-id][data-status=overdue]")
    assert late.count("已逾期") == 1 and "已逾期 4 天" in late, late
    assert page.query_selector("[data-notice-id][data-status=closed] [data-unread]") is None
    assert page.query_selector("[data-notice-id][data-status=overdue] [data-unread]") is not None
