"""The scan landing page /d/{token}: what a phone shows at the door, and the scan record it leaves."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from backend.doorplates import keys
from backend.doorplates import token as tokens
from backend.doorplates.models import Scan
from backend.doorplates.operations import resolve_token
from backend.extensions import db
from backend.fastpath import fastscan

PERSON = {"name": "张三丰", "id_number": "330326199001011234", "phone": "13812345678"}


@pytest.fixture
def landlord(app):
    from backend.auth.operations import create_user

    with app.app_context():
        user = create_user("zhangsanfeng", "correct-horse-battery", "landlord", None, display_name=PERSON["name"])
        db.session.commit()
        return user.username


def _scans(app):
    with app.app_context():
        return [
            (s.result, s.channel, s.user_id, s.role, s.point)
            for s in db.session.scalars(select(Scan).order_by(Scan.id))
        ]


def test_page_shows_the_public_card_and_no_personal_data(client, houses, landlord):
    soon = date.today() + timedelta(days=5)
    house = houses.add(
        "A1-1",
        max_occupants=3,
        landlord=landlord,
        notices=[("rectification", "电动车室内充电", soon, "issued"), ("reminder", "已关闭的提醒", None, "closed")],
    )
    token, short_code, url = houses.plate(house)
    assert url == f"https://menpai.test/d/{token}"
    resp = client.get(f"/d/{token}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert "解放街12号" in html and short_code in html
    assert 'class="band yellow"' in html  # an open rectification order
    assert "电动车室内充电" in html and soon.isoformat() in html and "剩余 5 天" in html
    assert "已关闭的提醒" not in html
    assert "3" in html and "已登记" in html
    assert "<script" not in html.lower()  # works with JavaScript off
    for value in (*PERSON.values(), landlord):
        assert value not in html
    assert f"/app/#/check-in/{token}" in html and "工作人员登录" in html


@pytest.mark.parametrize(
    ("status", "colour", "check_in"),
    [("declared", "grey", False), ("active", "green", True), ("closed", "red", False), ("suspended", "red", False)],
)
def test_colour_and_check_in_follow_the_house_status(client, houses, status, colour, check_in):
    token, _, _ = houses.plate(houses.add("A1-2", status=status))
    html = client.get(f"/d/{token}").get_data(as_text=True)
    assert f'class="band {colour}"' in html
    assert ("/app/#/check-in/" in html) is check_in
    if status == "closed":
        assert "禁止出租" in html


def test_english_on_request(client, houses):
    token, _, _ = houses.plate(houses.add("A1-3"))
    html = client.get(f"/d/{token}?lang=en").get_data(as_text=True)
    assert "I live here — check in" in html and "Staff sign in" in html and 'lang="en"' in html


def test_tampered_token_gets_a_clear_page_and_a_logged_scan(client, houses, app):
    token, _, _ = houses.plate(houses.add("A1-1"))
    forged = token[:-1] + ("2" if token[-1] != "2" else "3")
    resp = client.get(f"/d/{forged}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "这不是有效的门牌码" in html and "解放街" not in html
    assert client.get("/d/not-a-token").status_code == 404
    assert [s[0] for s in _scans(app)] == ["tampered", "tampered"]


def test_revoked_version_says_replaced_and_the_new_plate_works(client, houses, app):
    house = houses.add("A1-1")
    old_token, old_code, _ = houses.plate(house)
    houses.revoke(house, "lost")
    new_token, new_code, _ = houses.plate(house)
    assert new_token != old_token and new_code != old_code
    resp = client.get(f"/d/{old_token}")
    assert resp.status_code == 410 and "此门牌已被更换" in resp.get_data(as_text=True)
    assert client.get(f"/d/{new_token}").status_code == 200
    assert client.get("/d", query_string={"code": old_code}).status_code == 410
    assert [s[0] for s in _scans(app)] == ["revoked", "ok", "revoked"]


def test_typed_short_code_opens_the_same_page(client, houses, app):
    _, short_code, _ = houses.plate(houses.add("A1-1"))
    typed = short_code.replace("-", " ").lower()
    resp = client.get("/d", query_string={"code": typed})
    assert resp.status_code == 200 and short_code in resp.get_data(as_text=True)
    wrong = short_code[:-1] + ("2" if short_code[-1] != "2" else "3")
    resp = client.get("/d", query_string={"code": wrong})
    assert resp.status_code == 400 and "校验位不符" in resp.get_data(as_text=True)
    form = client.get("/d").get_data(as_text=True)
    assert "<form" in form and 'name="code"' in form
    assert [s[:2] for s in _scans(app)] == [("ok", "short_code")]


def test_anonymous_scans_keep_nothing_about_the_scanner_and_staff_scans_keep_the_role(
    client, houses, app, auth, make_user
):
    token, _, _ = houses.plate(houses.add("A1-1"))
    client.get(f"/d/{token}", headers={"User-Agent": "MicroMessenger", "X-Forwarded-For": "1.2.3.4"})
    auth.login(make_user("grid_worker", "330326100001001"))
    client.get(f"/d/{token}")
    client.get(f"/api/v1/doorplates/{token}?lon=120.505&lat=27.61")
    anonymous, staff_page, staff_api = _scans(app)
    assert anonymous == ("ok", "page", None, None, None)
    assert staff_page[:2] == ("ok", "page") and staff_page[3] == "grid_worker"
    assert staff_api[1] == "api" and staff_api[4] is not None
    with app.app_context():
        columns = set(Scan.__table__.columns.keys())
    assert not columns & {"ip", "user_agent", "phone", "name"}


def test_landing_page_reads_and_records_the_same_on_every_path(client, houses, app):
    """On PostGIS the page takes the one-statement path (fastscan); it must agree with the general one."""
    soon = date.today() + timedelta(days=3)
    house = houses.add(
        "A1-1", notices=[("rectification", "疏散通道", soon, "overdue"), ("penalty", "罚款", None, "issued")]
    )
    old_token, _, _ = houses.plate(house)
    houses.revoke(house, "damaged")
    token, _, _ = houses.plate(house)
    for t in (old_token, token):
        client.get(f"/d/{t}")
    with app.test_request_context():
        general = resolve_token(token)
        assert [n.kind for n in general.plate.notices] == ["rectification", "penalty"]
        signing = keys.signing_keys()
        new, old = tokens.verify(token, signing), tokens.verify(old_token, signing)
        for tok, want in (
            (new, "ok"),
            (old, "revoked"),
            (tokens.Token(new.key_id, new.plate_id, new.version + 5), "unknown"),
        ):
            assert resolve_token(tokens.sign(tok, signing)).result == want
            if fastscan.available():
                assert fastscan.scan(tok.plate_id, tok.version, "page") == (want, general.plate)
        db.session.commit()
    assert [s[:3] for s in _scans(app)][:2] == [("revoked", "page", None), ("ok", "page", None)]
