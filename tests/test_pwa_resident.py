"""A brand-new phone number from the door page to a pending tenancy the landlord confirms (issue 16), in Debian's
chromium at 360×740: at most 3 screens and 5 taps besides typing. Then, as a returning resident, a check-in with
the record on file (一次采集)."""

import re

from loop_helpers import id_number
from sqlalchemy import select
from test_pwa import log_in, needs_browser, open_app, phone, playwright, server  # noqa: F401  (fixtures)

from backend.auth.models import User
from backend.extensions import db
from backend.notify.models import SmsMessage
from backend.people.vault import vault
from backend.tenancy.models import Tenancy

NEW_PHONE = "13987654321"

# Counts every tap (a click or touch on the page) and every screen the person sees (a page load, or a new hash).
COUNTER = """
  window.__taps = Number(sessionStorage.getItem('taps') || 0);
  document.addEventListener('click', () => sessionStorage.setItem('taps', ++window.__taps), true);
"""


def _code(app, phone_number):
    """The code in the newest SMS to phone_number (the dev gateway's record), as a developer reads it."""
    with app.app_context():
        index = vault().blind_index(phone_number, "phone")
        text = db.session.scalars(
            select(SmsMessage.text).where(SmsMessage.phone_index == index).order_by(SmsMessage.id.desc())
        ).first()
    return re.search(r"\b(\d{6})\b", text).group(1)


@needs_browser
def test_a_new_phone_goes_from_the_door_to_a_pending_tenancy_the_landlord_confirms(
    app,
    houses,
    make_user,
    server,  # noqa: F811
    phone,  # noqa: F811
):
    make_user("landlord", username="landlord-wang")
    house = houses.add("A1-1", landlord="landlord-wang", max_occupants=4)
    token, _, _ = houses.plate(house)
    page = phone()
    open_app(page, f"{server}/app/")  # the app was installed once (service worker in control), then:
    page.add_init_script(COUNTER)
    screens = []
    page.on("framenavigated", lambda frame: screens.append(frame.url) if frame == page.main_frame else None)

    page.goto(f"{server}/d/{token}")  # screen 1: the door page the camera opened
    page.click("text=我住在这里")  # tap 1
    page.wait_for_selector("#sms-phone")  # screen 2: the app's check-in, signed out
    page.fill("#sms-phone", NEW_PHONE)
    page.click("#sms-send")  # tap 2
    page.wait_for_selector("#sms-code:visible")
    page.fill("#sms-code", _code(app, NEW_PHONE))  # six digits sign in: no tap
    page.wait_for_selector("#check-in #ci-name")
    assert page.input_value("#ci-phone") == NEW_PHONE  # known from the sign-in
    assert page.query_selector("#password-login") is None  # signed in: the other way in is gone
    page.fill("#ci-name", "陈新")
    page.fill("#ci-id_number", id_number("33032619950505123"))
    page.fill("#ci-room", "302")
    page.click("#check-in button[type=submit]")  # tap 3
    page.wait_for_selector("#check-in-done[data-status=pending]")  # the same screen, now done

    taps = page.evaluate("window.__taps")
    distinct = list(dict.fromkeys(re.sub(r"#.*", "", url) + ("#app" if "/app/" in url else "") for url in screens))
    assert taps <= 5, taps
    assert len(distinct) <= 3, distinct
    with app.app_context():
        user = db.session.scalar(select(User).where(User.role == "resident"))
        tenancy = db.session.scalar(select(Tenancy).where(Tenancy.house_id == house))
        assert tenancy.status == "pending" and tenancy.tenant_user_id == user.id
        assert user.phone_index == vault().blind_index(NEW_PHONE, "phone")

    # The landlord confirms it in their app.
    landlord = phone()
    open_app(landlord, f"{server}/app/#/tenants")
    log_in(landlord, "landlord-wang")
    landlord.click(f"[data-tenancy-id='{tenancy.id}'] [data-action=confirm]")
    landlord.wait_for_selector(f"[data-tenancy-id='{tenancy.id}'][data-status=active]")
    with app.app_context():
        assert db.session.get(Tenancy, tenancy.id).status == "active"


@needs_browser
def test_a_returning_resident_checks_in_with_the_record_on_file(app, houses, server, phone):  # noqa: F811
    first, second = houses.add("A1-1", max_occupants=4), houses.add("A1-2", max_occupants=4)
    page = phone()
    open_app(page, f"{server}/app/#/check-in/{houses.plate(first)[0]}")
    page.fill("#sms-phone", NEW_PHONE)
    page.click("#sms-send")
    page.wait_for_selector("#sms-code:visible")
    page.fill("#sms-code", _code(app, NEW_PHONE))
    page.fill("#ci-name", "陈新")
    page.fill("#ci-id_number", id_number("33032619950505123"))
    page.click("#check-in button[type=submit]")
    page.wait_for_selector("#check-in-done")

    page.goto(f"{server}/app/#/check-in/{houses.plate(second)[0]}")
    page.wait_for_selector("#on-file")
    assert "陈*" in page.inner_text("#on-file") and page.query_selector("#ci-name") is None
    page.click("#check-in button[type=submit]")
    page.wait_for_selector("#check-in-done[data-status=pending]")

    page.goto(f"{server}/app/#/me")
    page.wait_for_selector("#me-record")
    assert "陈新" not in page.inner_text("#me-record")
    page.click("#me-reveal")
    page.wait_for_function("document.querySelector('#me-record').innerText.includes('陈新')")
    page.fill("#me-phone", "13700001111")
    page.click("#me-correct button[type=submit]")
    page.wait_for_selector("#me-revisions")


@needs_browser
def test_a_new_landlord_signs_in_with_their_phone_and_reaches_the_declaration(app, server, phone):  # noqa: F811
    page = phone()
    open_app(page, f"{server}/app/#/declare")  # the landlord's path: phone → code → declare
    page.wait_for_selector("#sms-phone")
    page.fill("#sms-phone", "13611112222")
    page.click("#sms-send")
    page.wait_for_selector("#sms-code:visible")
    page.fill("#sms-code", _code(app, "13611112222"))
    page.wait_for_selector("#declare")
    page.goto(f"{server}/app/#/")
    page.wait_for_selector("[data-menu=declare]")
    menus = page.eval_on_selector_all("[data-menu]", "els => els.map(e => e.dataset.menu)")
    assert {"declare", "houses", "tenants", "my_tenancy", "me"} <= set(menus)
