"""Fire safety: the ladder from rectification order to shut-down and back, reminders, campaigns."""

import io
import json
from datetime import date, datetime, timedelta

from loop_helpers import at_once, jpeg, person
from sqlalchemy import func, select

from backend.extensions import db
from backend.fire.models import FireNotice
from backend.fire.operations import sweep
from backend.notify.models import InboxMessage

ITEMS = [
    {"description": "楼道堆放杂物,堵塞疏散通道", "standard": "GB 50016 疏散通道保持畅通"},
    {"description": "电动自行车在室内充电", "standard": "禁止在住宅室内为电动自行车充电"},
]


def _photo(auth):
    resp = auth.client.post(
        "/api/v1/photos",
        data={"photo": (io.BytesIO(jpeg()), "fix.jpg")},
        headers={"X-CSRF-Token": auth.csrf},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201
    return resp.get_json()["id"]


def _sweep(app, days):
    with app.app_context():
        result = sweep(datetime.now() + timedelta(days=days))
        db.session.commit()
    return result


def _deadline_passed(app, notice_id, days):
    """Move the deadline `days` into the past (the clock cannot be moved: overdue is derived from today)."""
    with app.app_context():
        db.session.get(FireNotice, notice_id).deadline = date.today() - timedelta(days=days)
        db.session.commit()


def _inbox(app, user_id=None):
    with app.app_context():
        query = select(InboxMessage.dedup_key)
        return db.session.scalars(query.order_by(InboxMessage.id)).all()


def test_the_ladder_from_order_to_shut_down_and_back(app, houses, login_as, make_user):
    make_user("landlord", username="landlord-fire")
    house = houses.add("A1-1", landlord="landlord-fire", max_occupants=3)
    token = houses.plate(house)[0]
    tenant = login_as("tenant")
    assert (
        tenant.post(
            f"/api/v1/doorplates/{token}/check-in", json={**person(0), "move_in": date.today().isoformat()}
        ).status_code
        == 201
    )
    officer = login_as("fire_officer", "330326100")
    from conftest import Auth

    landlord = Auth(app.test_client())
    landlord.login("landlord-fire")

    # 整改通知: two items, ten days.
    resp = officer.post(
        f"/api/v1/houses/{house}/notices",
        json={
            "kind": "rectification",
            "title": "消防安全整改通知",
            "legal_basis": "《消防法》第十六条",
            "deadline": (date.today() + timedelta(days=10)).isoformat(),
            "items": ITEMS,
        },
    )
    assert resp.status_code == 201, resp.get_json()
    order = resp.get_json()
    assert [i["status"] for i in order["items"]] == ["open", "open"]
    assert client_colour(app, token) == "yellow"
    assert landlord.client.get(f"/api/v1/notices?house={house + 1000}").get_json()["notices"] == []
    listed = landlord.client.get(f"/api/v1/notices?house={house}").get_json()["notices"]
    assert [n["status"] for n in listed] == ["issued"] and listed[0]["days_left"] == 10  # a GET marks nothing
    assert landlord.post("/api/v1/notices/delivered", json={"ids": [order["id"]]}).get_json() == {"delivered": 1}
    listed = landlord.client.get(f"/api/v1/notices?house={house}").get_json()["notices"]
    assert [n["status"] for n in listed] == ["delivered"]
    assert landlord.post(f"/api/v1/notices/{order['id']}/read").get_json()["status"] == "read"

    # Evidence for both items; one passes, one fails: a new order carries only the failed one.
    evidence = [{"item_id": i["id"], "note": "已整改", "photos": [_photo(landlord)]} for i in order["items"]]
    assert (
        landlord.post(f"/api/v1/notices/{order['id']}/evidence", json={"items": evidence}).get_json()["status"]
        == "submitted"
    )
    first, second = (i["id"] for i in order["items"])
    resp = officer.post(
        f"/api/v1/notices/{order['id']}/reinspect",
        json={
            "results": {str(first): "passed", str(second): "failed"},
            "deadline": (date.today() + timedelta(days=5)).isoformat(),
        },
    )
    body = resp.get_json()
    assert body["notice"]["outcome"] == "partly_accepted"
    follow = body["follow_up"]
    assert [i["description"] for i in follow["items"]] == [ITEMS[1]["description"]] and follow["parent_id"] == order[
        "id"
    ]

    # Ignored past its deadline: overdue (the landlord and the officer hear of it), then escalated and shut.
    _deadline_passed(app, follow["id"], days=1)
    assert _sweep(app, 0)["overdue"] == 1
    assert _sweep(app, 0)["overdue"] == 0  # idempotent
    assert f"notice:{follow['id']}:overdue" in _inbox(app)
    resp = officer.post(
        f"/api/v1/notices/{follow['id']}/escalate",
        json={
            "house_action": "close",
            "penalty": {
                "title": "行政处罚决定书",
                "amount": 2000,
                "legal_basis": "《消防法》第六十条",
                "decision_number": "平消行罚决字〔2026〕118号",
            },
        },
    )
    assert resp.status_code == 200 and resp.get_json()["status"] == "escalated"
    page = app.test_client().get(f"/d/{token}").get_data(as_text=True)
    assert 'class="band red"' in page and "禁止出租" in page and "行政处罚决定书" in page
    refused = login_as("tenant", username="late-tenant").post(
        f"/api/v1/doorplates/{token}/check-in", json={**person(1), "move_in": date.today().isoformat()}
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "house_closed"
    card = officer.client.get(f"/api/v1/houses/{house}").get_json()
    assert card["status"] == "closed" and card["occupants"] == []  # 取缔 ended the tenancy (test_tenancy_closed_house)

    # Reopening needs the order put right first.
    reopen = {"status": "active", "reason": "复查合格,恢复出租"}
    assert (
        officer.post(f"/api/v1/houses/{house}/status", json=reopen).get_json()["error"]["code"]
        == "reopen_needs_reinspection"
    )
    (item,) = follow["items"]
    resp = landlord.post(
        f"/api/v1/notices/{follow['id']}/evidence",
        json={"items": [{"item_id": item["id"], "note": "充电桩已装在楼外", "photos": [_photo(landlord)]}]},
    )
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted"  # evidence on an escalated order
    body = officer.post(
        f"/api/v1/notices/{follow['id']}/reinspect", json={"results": {str(item["id"]): "passed"}}
    ).get_json()
    assert body["notice"]["outcome"] == "accepted" and body["follow_up"] is None
    # The penalty decision keeps the plate red: it is closed (paid) before the house reopens, and the error says so.
    refused = officer.post(f"/api/v1/houses/{house}/status", json=reopen)
    penalty = next(n for n in officer.client.get("/api/v1/notices").get_json()["notices"] if n["kind"] == "penalty")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "reopen_needs_penalty_closed"
    assert f"#{penalty['id']}" in refused.get_json()["error"]["message"]
    assert client_colour(app, token) == "red"
    officer.post(f"/api/v1/notices/{penalty['id']}/close", json={"outcome": "resolved"})
    assert officer.post(f"/api/v1/houses/{house}/status", json=reopen).get_json()["status"] == "active"
    assert client_colour(app, token) == "green"
    timeline = officer.client.get(f"/api/v1/houses/{house}/timeline").get_json()["events"]
    steps = {(e["kind"], e.get("notice_id")) for e in timeline}
    assert {
        ("notice", order["id"]),
        ("notice_read", order["id"]),
        ("notice_evidence", order["id"]),
        ("notice_closed", order["id"]),
        ("notice_overdue", follow["id"]),
        ("notice_escalated", follow["id"]),
        ("notice_closed", follow["id"]),
    } <= steps
    evidence = next(e for e in timeline if e["kind"] == "notice_evidence" and e["notice_id"] == order["id"])
    assert evidence["photos"] == 2 and evidence["items"] == 2


def client_colour(app, token):
    return app.test_client().get(f"/api/v1/doorplates/{token}").get_json()["card"]["colour"]


def test_reminders_three_days_before_and_on_the_day_each_once(app, houses, login_as, make_user):
    make_user("landlord", username="landlord-remind")
    house = houses.add("A1-1", landlord="landlord-remind")
    officer = login_as("fire_officer", "330326100")
    order = officer.post(
        f"/api/v1/houses/{house}/notices",
        json={
            "kind": "rectification",
            "title": "整改通知",
            "legal_basis": "《消防法》",
            "deadline": (date.today() + timedelta(days=10)).isoformat(),
            "items": ITEMS[:1],
        },
    ).get_json()
    assert _sweep(app, 5)["reminded"] == 0
    assert _sweep(app, 7)["reminded"] == 1
    assert _sweep(app, 7)["reminded"] == 0
    assert _sweep(app, 10)["reminded"] == 1
    keys = [k for k in _inbox(app) if k.startswith(f"notice:{order['id']}")]
    assert keys == [f"notice:{order['id']}:issued", f"notice:{order['id']}:due-soon", f"notice:{order['id']}:due-today"]


def test_bad_notices_name_their_fields(houses, login_as):
    house = houses.add("A1-1")
    officer = login_as("fire_officer", "330326100")
    cases = [
        ({"kind": "rectification", "title": "x", "legal_basis": "y"}, {"deadline", "items"}),
        (
            {"kind": "rectification", "title": "x", "legal_basis": "y", "deadline": "2000-01-01", "items": ITEMS},
            {"deadline"},
        ),
        ({"kind": "penalty", "title": "x"}, {"legal_basis", "amount", "decision_number"}),
        ({"kind": "warning", "title": "x"}, {"kind"}),
    ]
    for body, fields in cases:
        resp = officer.post(f"/api/v1/houses/{house}/notices", json=body)
        assert resp.status_code == 400 and set(resp.get_json()["error"]["fields"]) == fields, body


def test_a_campaign_to_500_houses_and_its_rerun(app, world, runner, make_user, tmp_path):
    from conftest import house_plate

    from backend.addresses.assign import assign_grids
    from backend.addresses.importer import CSV_COLUMNS, import_file
    from backend.addresses.models import Address
    from backend.demo.houses import seed_as_verified
    from backend.houses.operations import register_house

    csv = tmp_path / "many.csv"
    rows = [",".join(CSV_COLUMNS)] + [
        f"M{n:04d},330326100001,解放街,{n + 200},,{n % 7 + 1},1,,{n % 9 + 1}01,{120.5005 + (n % 50) * 0.0001},"
        f"{27.6005 + (n // 50) * 0.0001}"
        for n in range(500)
    ]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    make_user("fire_officer", "330326100001", username="officer-campaign")
    with app.app_context():
        import_file(csv)
        assign_grids()
        for address in db.session.scalars(select(Address).where(Address.code.like("M%"))):
            house = register_house(address, max_occupants=4)
            seed_as_verified(house, house_plate(house))
        db.session.commit()
    report = tmp_path / "result.json"
    args = [
        "notices",
        "campaign",
        "--region",
        "330326100001",
        "--by",
        "officer-campaign",
        "--title",
        "冬季电动车安全充电提醒",
        "--report",
        str(report),
    ]
    first = runner.invoke(args=args, env={"MENPAI_LANG": "en"})
    assert first.exit_code == 0, first.output
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["houses"] == 500 and result["issued_now"] == 500 and len(result["results"]) == 500
    again = runner.invoke(args=args, env={"MENPAI_LANG": "en"})
    assert "0 notices issued now, 500 reached before" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FireNotice)) == 500
    outside = runner.invoke(args=[*args[:2], "--region", "330326101", *args[4:]])
    assert outside.exit_code == 1


def _overdue_order(app, officer, house, items=ITEMS[:1]):
    order = officer.post(
        f"/api/v1/houses/{house}/notices",
        json={
            "kind": "rectification",
            "title": "整改通知",
            "legal_basis": "《消防法》",
            "deadline": (date.today() + timedelta(days=10)).isoformat(),
            "items": items,
        },
    ).get_json()
    _deadline_passed(app, order["id"], days=2)
    return order


def test_an_item_passes_only_on_evidence_and_evidence_is_welcome_after_escalation(app, houses, login_as, make_user):
    from conftest import Auth

    make_user("landlord", username="landlord-end")
    house = houses.add("A1-1", landlord="landlord-end")
    officer = login_as("fire_officer", "330326100")
    landlord = Auth(app.test_client())
    landlord.login("landlord-end")
    order = _overdue_order(app, officer, house)
    (item,) = order["items"]

    # The officer cannot pass what nobody showed to be fixed (failing it is allowed: a new order, a new deadline).
    passed = officer.post(f"/api/v1/notices/{order['id']}/reinspect", json={"results": {str(item["id"]): "passed"}})
    assert passed.status_code == 400 and set(passed.get_json()["error"]["fields"]) == {"results"}
    assert officer.post(f"/api/v1/notices/{order['id']}/escalate", json={"house_action": "suspend"}).status_code == 200

    # Escalated: the landlord still puts it right and says so; then it can pass.
    evidence = {"items": [{"item_id": item["id"], "note": "杂物已清理", "photos": [_photo(landlord)]}]}
    resp = landlord.post(f"/api/v1/notices/{order['id']}/evidence", json=evidence)
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted"
    body = officer.post(f"/api/v1/notices/{order['id']}/reinspect", json={"results": {str(item["id"]): "passed"}})
    assert body.status_code == 200 and body.get_json()["notice"]["outcome"] == "accepted"
    reopen = officer.post(f"/api/v1/houses/{house}/status", json={"status": "active", "reason": "复查合格,恢复出租"})
    assert reopen.get_json()["status"] == "active"


def test_a_status_change_without_a_reason_names_its_own_field(app, houses, login_as):
    from backend.i18n import t

    house = houses.add("A1-1", status="closed")
    officer = login_as("fire_officer", "330326100")
    resp = officer.post(f"/api/v1/houses/{house}/status", json={"status": "active"})
    assert resp.status_code == 400
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        reveal = t("error.reason_too_short")
    message = resp.get_json()["error"]["fields"]["reason"]
    assert message != reveal and "查看" not in message and "恢复" in message
    # A penalty that is not an object is named as a penalty, not as a checklist.
    order = _overdue_order(app, officer, houses.add("A1-2"))
    bad = officer.post(f"/api/v1/notices/{order['id']}/escalate", json={"penalty": "2000"})
    assert bad.status_code == 400 and "处罚" in bad.get_json()["error"]["fields"]["penalty"]


def test_a_cross_site_get_marks_nothing_delivered_the_app_says_so_by_post(app, houses, login_as, make_user):
    from conftest import Auth

    make_user("landlord", username="landlord-csrf")
    mine = houses.add("A1-1", landlord="landlord-csrf")
    other = houses.add("A1-2", landlord=make_user("landlord", username="landlord-other"))
    officer = login_as("fire_officer", "330326100")
    orders = [
        officer.post(f"/api/v1/houses/{h}/notices", json={"kind": "reminder", "title": "冬季用电安全提示"}).get_json()
        for h in (mine, mine, other)
    ]
    landlord = Auth(app.test_client())
    landlord.login("landlord-csrf")
    cross_site = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Origin": "https://evil.example"}
    assert len(landlord.client.get("/api/v1/notices", headers=cross_site).get_json()["notices"]) == 2
    assert landlord.client.get(f"/api/v1/notices/{orders[0]['id']}", headers=cross_site).status_code == 200
    assert landlord.client.get("/api/v1/notices").status_code == 200  # same-origin read: still nothing written
    with app.app_context():
        assert set(db.session.scalars(select(FireNotice.status))) == {"issued"}

    # A cross-site POST has no CSRF token: refused. The app's own POST marks only the landlord's own notices.
    forged = landlord.client.post("/api/v1/notices/delivered", json={"ids": [orders[0]["id"]]}, headers=cross_site)
    assert forged.status_code in (400, 403)
    ids = [o["id"] for o in orders]
    assert landlord.post("/api/v1/notices/delivered", json={"ids": ids}).get_json() == {"delivered": 2}
    assert landlord.post("/api/v1/notices/delivered", json={"ids": ids}).get_json() == {"delivered": 0}
    assert landlord.post("/api/v1/notices/delivered", json={"ids": "all"}).status_code == 400
    with app.app_context():
        statuses = dict(db.session.execute(select(FireNotice.id, FireNotice.status)).all())
    assert [statuses[i] for i in ids] == ["delivered", "delivered", "issued"]


def test_six_officers_closing_one_penalty_at_once_close_it_once(app, houses, login_as):
    from backend.audit import AuditEvent

    house = houses.add("A1-1", notices=[("penalty", "行政处罚决定书", None, "issued")])
    with app.app_context():
        penalty = db.session.scalar(select(FireNotice.id).where(FireNotice.house_id == house))
    officers = [login_as("fire_officer", "330326100", username=f"fire-{i}") for i in range(6)]
    url = f"/api/v1/notices/{penalty}/close"
    codes = sorted(at_once(6, lambda i: officers[i].post(url, json={"outcome": "resolved"}).status_code))
    assert codes == [200] + [409] * 5
    with app.app_context():
        closes = db.session.scalar(select(func.count()).where(AuditEvent.action == "notice.close"))
    assert closes == 1


def test_closing_a_penalty_is_in_the_township_supervisors_audit_log(app, houses, login_as):
    """Events about a notice carry its house's region (audit.record), so a scoped reader of the log sees them: the
    close of the penalty that kept a plate red was missing from the supervisor's log."""
    house = houses.add("A1-1", notices=[("penalty", "行政处罚决定书", None, "issued")])
    with app.app_context():
        penalty = db.session.scalar(select(FireNotice.id).where(FireNotice.house_id == house))
    officer = login_as("fire_officer", "330326100")
    assert officer.post(f"/api/v1/notices/{penalty}/close", json={"outcome": "resolved"}).status_code == 200
    supervisor = login_as("supervisor", "330326100")
    log = supervisor.client.get(f"/api/v1/audit?kind=all&house={house}").get_json()
    closes = [e for e in log["events"] if e["action"] == "notice.close"]
    assert len(closes) == 1 and closes[0]["region_code"].startswith("330326100")
