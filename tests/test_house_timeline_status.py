"""A house's timeline tells its status changes (suspended, closed, reopened: who and why) and who closed a
notice, so the house record's 最近记录 says what happened to it."""

from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db

TOWN = "330326100"


def _name(app, username):
    with app.app_context():
        return db.session.scalar(select(User.display_name).where(User.username == username))


def test_the_timeline_shows_suspension_closure_and_reopening_with_who_and_why(app, houses, login_as):
    house = houses.add("A1-1", notices=[("penalty", "行政处罚决定书", None, "issued")])
    officer = login_as("fire_officer", TOWN, "fire-zhao")
    for status, reason in (("suspended", "消防通道堵塞"), ("closed", "拒不整改,依法取缔")):
        resp = officer.post(f"/api/v1/houses/{house}/status", json={"status": status, "reason": reason})
        assert resp.status_code == 200, resp.get_json()
    penalty = officer.client.get(f"/api/v1/notices?house={house}").get_json()["notices"][0]
    assert officer.post(f"/api/v1/notices/{penalty['id']}/close", json={"outcome": "resolved"}).status_code == 200
    resp = officer.post(f"/api/v1/houses/{house}/status", json={"status": "active", "reason": "复查合格,恢复出租"})
    assert resp.status_code == 200, resp.get_json()

    events = officer.client.get(f"/api/v1/houses/{house}/timeline?scans=0").get_json()["events"]
    steps = [(e["status"], e["before"], e["reason"], e["by"]) for e in events if e["kind"] == "house_status"]
    by = _name(app, "fire-zhao")
    assert by
    assert steps == [  # newest first
        ("active", "closed", "复查合格,恢复出租", by),
        ("closed", "suspended", "拒不整改,依法取缔", by),
        ("suspended", "active", "消防通道堵塞", by),
    ]
    (closed,) = [e for e in events if e["kind"] == "notice_closed"]
    assert closed["by"] == by and closed["outcome"] == "resolved"
    # A refused change is no step: reopening an active house again changes nothing.
    again = officer.post(f"/api/v1/houses/{house}/status", json={"status": "active", "reason": "再次恢复"})
    assert again.status_code == 409
    again = officer.client.get(f"/api/v1/houses/{house}/timeline?scans=0").get_json()["events"]
    assert sum(e["kind"] == "house_status" for e in again) == 3
