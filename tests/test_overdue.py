"""Overdue is derived at read time (backend/overdue.py): the day after the deadline every reader sees it, and the
officer can escalate, whether or not a sweep has run. The sweeps only remind, and take --now."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from backend.extensions import db
from backend.fire.models import FireNotice
from backend.notify.models import InboxMessage
from backend.obligations.models import Obligation

ITEM = [{"description": "楼道堆放杂物,堵塞疏散通道"}]


def _order(officer, house, days=10):
    resp = officer.post(
        f"/api/v1/houses/{house}/notices",
        json={
            "kind": "rectification",
            "title": "消防安全整改通知",
            "legal_basis": "《消防法》第十六条",
            "deadline": (date.today() + timedelta(days=days)).isoformat(),
            "items": ITEM,
        },
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _set(app, model, row_id, **values):
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def test_an_order_eight_days_past_its_deadline_is_overdue_everywhere_without_a_sweep(app, houses, login_as):
    landlord = login_as("landlord", username="landlord-late")
    house = houses.add("A1-1", landlord="landlord-late")
    token = houses.plate(house)[0]
    officer = login_as("fire_officer", "330326100")
    order = _order(officer, house)
    assert landlord.client.get(f"/api/v1/notices/{order}").get_json()["status"] == "issued"
    assert landlord.post(f"/api/v1/notices/{order}/read").get_json()["status"] == "read"
    _set(app, FireNotice, order, deadline=date.today() - timedelta(days=8))

    # The fire officer's re-inspection / overdue list, the landlord's list, the card, the plate: overdue now.
    overdue = officer.client.get("/api/v1/notices?overdue=1").get_json()["notices"]
    assert [(n["id"], n["status"], n["days_left"]) for n in overdue] == [(order, "overdue", -8)]
    assert [n["status"] for n in landlord.client.get("/api/v1/notices").get_json()["notices"]] == ["overdue"]
    card = officer.client.get(f"/api/v1/houses/{house}").get_json()
    assert [n["status"] for n in card["notices"]] == ["overdue"]
    public = app.test_client().get(f"/api/v1/doorplates/{token}").get_json()["card"]
    assert [n["status"] for n in public["notices"]] == ["overdue"] and public["colour"] == "yellow"

    # Escalation is allowed at once: nobody waits for the night's sweep.
    resp = officer.post(f"/api/v1/notices/{order}/escalate", json={"house_action": "suspend"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "escalated"
    with app.app_context():
        assert db.session.get(FireNotice, order).overdue_at is None  # no sweep ran


def test_an_order_due_today_is_not_overdue_yet(app, houses, login_as):
    house = houses.add("A1-1")
    officer = login_as("fire_officer", "330326100")
    order = _order(officer, house)
    _set(app, FireNotice, order, deadline=date.today())
    assert officer.client.get("/api/v1/notices?overdue=1").get_json()["notices"] == []
    resp = officer.post(f"/api/v1/notices/{order}/escalate", json={"house_action": "suspend"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "notice_not_overdue"


def test_an_obligation_past_due_turns_the_house_yellow_without_a_sweep(app, houses, login_as):
    landlord = login_as("landlord", username="landlord-ob")
    house = houses.add("A1-1", landlord="landlord-ob")
    token = houses.plate(house)[0]
    with app.app_context():
        ob = db.session.scalar(select(Obligation.id).where(Obligation.house_id == house))
    assert landlord.client.get(f"/api/v1/houses/{house}").get_json()["colour"] == "green"
    _set(app, Obligation, ob, due_date=date.today() - timedelta(days=1))

    assert [o["state"] for o in landlord.client.get("/api/v1/obligations").get_json()["obligations"]] == ["overdue"]
    card = landlord.client.get(f"/api/v1/houses/{house}").get_json()
    assert card["colour"] == "yellow" and [o["state"] for o in card["obligations"]] == ["overdue"]
    assert [h["id"] for h in landlord.client.get("/api/v1/houses?overdue=1").get_json()["houses"]] == [house]
    assert [h["id"] for h in landlord.client.get("/api/v1/houses?colour=yellow").get_json()["houses"]] == [house]
    assert app.test_client().get(f"/api/v1/doorplates/{token}").get_json()["card"]["colour"] == "yellow"
    assert 'class="band yellow"' in app.test_client().get(f"/d/{token}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Obligation, ob).state == "open"  # nothing was written to make it so


def test_both_sweeps_take_now_to_rerun_a_missed_night(app, houses, login_as, make_user, runner):
    make_user("landlord", username="landlord-night")
    house = houses.add("A1-1", landlord="landlord-night")
    officer = login_as("fire_officer", "330326100")
    order = _order(officer, house, days=3)
    night = datetime.combine(date.today() + timedelta(days=3), time(2, 0)).isoformat()

    result = runner.invoke(args=["notices", "sweep", "--now", night])
    assert result.exit_code == 0, result.output
    with app.app_context():
        keys = db.session.scalars(select(InboxMessage.dedup_key).where(InboxMessage.notice_id == order)).all()
    assert f"notice:{order}:due-today" in keys  # the due day, as of --now

    later = datetime.combine(date.today() + timedelta(days=5), time(2, 0)).isoformat()
    assert runner.invoke(args=["notices", "sweep", "--now", later]).exit_code == 0
    assert runner.invoke(args=["notices", "sweep", "--now", later]).exit_code == 0  # idempotent
    with app.app_context():
        keys = db.session.scalars(select(InboxMessage.dedup_key).where(InboxMessage.notice_id == order)).all()
        assert keys.count(f"notice:{order}:overdue") == 1
        assert db.session.get(FireNotice, order).status == "issued"  # the sweep tells, it does not move the status

    result = runner.invoke(args=["obligations", "sweep", "--now", (date.today() + timedelta(days=70)).isoformat()])
    assert result.exit_code == 0, result.output
    with app.app_context():
        (stamped,) = db.session.execute(select(Obligation.state, Obligation.overdue_at)).all()
    assert stamped.state == "open" and stamped.overdue_at is not None
    bad = runner.invoke(args=["obligations", "sweep", "--now", "yesterday"])
    assert bad.exit_code == 2 and "--now" in bad.output
