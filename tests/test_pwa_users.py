# ruff: noqa: F811  (the fixtures of test_pwa are imported by name, then requested as arguments)
"""Staff administration in the app (#/staff, #16) in Debian's chromium at 360×740: a supervisor lists the staff of
the township, creates an account and reads its one-time password once, resets one, deactivates one, imports a
table (a bad line refused by line, then a good table); the new account's first sign-in must choose a password.
Every target is thumb-sized (≥ 44 px) and every text at least 14 px."""

import os
from pathlib import Path

from sqlalchemy import select
from test_pwa import (  # noqa: F401  (fixtures)
    GRID,
    log_in,
    needs_browser,
    open_app,
    phone,
    playwright,
    server,
)

from backend.auth.models import User
from backend.extensions import db
from tests.conftest import Auth

TOWN = "330326100"
SCREENSHOTS = Path(os.environ["MENPAI_SCREENSHOTS"]) if os.environ.get("MENPAI_SCREENSHOTS") else None

# Every visible target (button, link, input, select, a fold's handle) and its height; every visible text and its size.
MEASURE = """() => {
  const seen = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const view = document.getElementById('view');
  const targets = [...view.querySelectorAll('button, a, input:not([type=file]), select, summary')].filter(seen)
    .map((el) => [el.id || el.dataset.action || el.textContent.trim().slice(0, 20), el.getBoundingClientRect().height]);
  const texts = [...view.querySelectorAll('*')].filter((el) => seen(el)
      && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
    .map((el) => [el.textContent.trim().slice(0, 20), parseFloat(getComputedStyle(el).fontSize)]);
  return { targets, texts };
}"""


def assert_thumb_sized(page):
    sizes = page.evaluate(MEASURE)
    assert len(sizes["targets"]) >= 3 and len(sizes["texts"]) >= 3
    assert [t for t in sizes["targets"] if t[1] < 44] == []
    assert [t for t in sizes["texts"] if t[1] < 14] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone


class Account:
    """An account as the server has it now."""

    def __init__(self, user):
        self.role, self.active, self.must_change_password = user.role, user.active, user.must_change_password
        self.region = user.region.code if user.region else None


def user(app, username):
    with app.app_context():
        found = db.session.scalar(select(User).where(User.username == username))
        return found and Account(found)


@needs_browser
def test_a_supervisor_manages_the_staff_of_the_township_in_the_app(app, world, make_user, server, phone, tmp_path):
    make_user("supervisor", TOWN, username="boss")
    make_user("grid_worker", GRID, username="wu")
    make_user("grid_worker", "330326101001001", username="far-away")  # another township: never listed
    assert Auth(app.test_client()).login("wu").status_code == 200  # a device signed in

    page = phone()
    open_app(page, server + "/app/#/staff")
    log_in(page, "boss")
    page.wait_for_selector("li[data-user=wu]")
    assert page.locator("li[data-user=far-away]").count() == 0
    row = page.inner_text("li[data-user=wu]")
    assert "网格员" in row and "西门第1网格" in row and "在线设备 1 台" in row
    assert_thumb_sized(page)

    # A new account: its one-time password is shown once.
    page.click("#staff-create-fold > summary")
    page.fill("#new-username", "li-si")
    page.fill("#new-name", "李四")
    page.select_option("#new-role", "fire_officer")
    page.fill("#new-phone", "139 0000 1234")
    assert_thumb_sized(page)
    page.click("#staff-create button[type=submit]")
    password = page.inner_text("#one-time [data-password=li-si]")
    page.wait_for_selector("li[data-user=li-si]")
    made = user(app, "li-si")
    assert made.role == "fire_officer" and made.region == TOWN and made.must_change_password
    assert "139****1234" in page.inner_text("li[data-user=li-si]")

    # A reset ends wu's sessions and shows the new password; a deactivation asks first.
    page.click("li[data-user=wu] [data-action=reset]")
    page.click("#confirm-yes")
    page.wait_for_selector("#one-time [data-password=wu]")
    page.wait_for_selector("li[data-user=wu] [data-sessions='0']")
    assert user(app, "wu").must_change_password
    page.click("li[data-user=wu] [data-action=deactivate]")
    page.click("#confirm-yes")
    page.wait_for_selector("li.inactive[data-user=wu]")
    assert user(app, "wu").active is False

    # A table with a bad line is refused by line; a good one makes every account and offers the CSV.
    page.click("#staff-import-fold > summary")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "username,name,role,region_code,phone\nzhang,张三,网格员,330326100001001,\nzhao,赵六,管理员,330326100,\n",
        encoding="gb18030",
    )
    page.set_input_files("#import-file", str(bad))
    page.click("#staff-import button[type=submit]")
    page.wait_for_selector("#import-rejects li[data-line='3']")
    assert user(app, "zhang") is None
    good = tmp_path / "good.csv"
    good.write_text(
        "username,name,role,region_code,phone\nzhang,张三,网格员,330326100001001,\nzhao,赵六,police,330326100,\n",
        encoding="utf-8-sig",
    )
    page.set_input_files("#import-file", str(good))
    page.click("#staff-import button[type=submit]")
    page.wait_for_selector("#imported [data-imported=zhao]")
    if SCREENSHOTS:
        page.screenshot(path=str(SCREENSHOTS / "staff.png"), full_page=True)
    assert page.get_attribute("#imported-csv", "download") == "accounts.csv"
    assert user(app, "zhang").role == "grid_worker" and user(app, "zhao").role == "police"
    assert_thumb_sized(page)

    # Nothing of it is kept on the phone: the staff list is never cached by the service worker.
    cached = page.evaluate(
        "async () => { const c = await caches.open('menpai-api'); return (await c.keys()).map((r) => r.url); }"
    )
    assert not [u for u in cached if "/api/v1/users" in u]

    # The new account's first sign-in: a password of its own before anything else.
    other = phone()
    open_app(other, server + "/app/#/")
    log_in(other, "li-si", password)
    other.wait_for_selector("#password-required")
    assert "#/password" in other.url
    assert_thumb_sized(other)
    other.fill("#pw-current", password)
    other.fill("#pw-new", "李四的新密码 2026")
    other.fill("#pw-again", "李四的新密码 2026")
    other.click("#password-form button[type=submit]")
    other.wait_for_selector("a[data-menu=my_notices]")
    assert user(app, "li-si").must_change_password is False
