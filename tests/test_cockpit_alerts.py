"""Cockpit alerts against a hand-built fixture (times relative to now), both databases, scope included.

昆阳镇 (A):  h1 A1-1      active, 2 of 2 places taken, 2 tenants              → over_capacity / capacity_reached
            h2 A1-2      active, 12 m² for 3 people (max 6)                  → over_capacity / area_per_person_low
            h3 A1-3      active, no tenant, 2 tenant scans 3 days ago (+1 old) → unregistered_tenants
            h4 A1-1 北间  declared 10 days ago                                → unverified (> 7 days)
            h5 X-1       declared 3 days ago                                 → nothing yet
            h6 A1-4      active, rectification deadline yesterday, last visit 20 days ago (yellow: 14)
                                                                             → rectification_overdue, not_visited
            h7 A2-1      active, 3 scans of its revoked plate, an overdue confirmation, verified 25 days ago
                         and a grid worker scanned the door 2 days ago       → revoked_scanned, obligations_overdue
鳌江镇 (B):  h8 B1-1      active, over capacity, rectification overdue, never visited for 40 days → only in B
"""

from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select, update

from backend.doorplates.models import Doorplate, Scan
from backend.extensions import db
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.tenancy.models import Person, Tenancy
from backend.types import utcnow
from backend.verification.models import VerificationTask

A, B = "330326100", "330326101"
URL = "/api/v1/cockpit/alerts"


def tenants(house_id, n, status="active", tag=""):
    for i in range(n):
        person = Person(
            name_enc="x", id_number_enc="x", id_number_index=f"{house_id}-{tag}{i}", phone_enc="x", phone_index="p"
        )
        db.session.add(person)
        db.session.flush()
        db.session.add(Tenancy(house_id=house_id, person_id=person.id, move_in=date.today(), status=status))


def scans(house_id, when, n=1, role=None, result="ok"):
    plate = db.session.scalar(select(Doorplate.id).where(Doorplate.house_id == house_id))
    for _ in range(n):
        db.session.execute(
            insert(Scan.__table__).values(at=when, doorplate_id=plate, result=result, channel="page", role=role)
        )


@pytest.fixture
def town(world, houses):
    yesterday = date.today() - timedelta(days=1)
    h = {
        1: houses.add("A1-1", max_occupants=2),
        2: houses.add("A1-2", max_occupants=6),
        3: houses.add("A1-3"),
        4: houses.unit("A1-1", "北间"),
        5: houses.add("X-1", status="declared"),
        6: houses.add("A1-4", notices=[("rectification", "整改", yesterday, "issued")]),
        7: houses.add("A2-1"),
        8: houses.add("B1-1", max_occupants=1, notices=[("rectification", "整改", None, "overdue")]),
    }
    houses.revoke(h[7], "lost")
    now = utcnow()
    with world.app_context():
        tenants(h[1], 2)
        tenants(h[2], 3)
        tenants(h[8], 1)
        db.session.execute(update(House).where(House.id == h[1]).values(occupants=2))
        db.session.execute(update(House).where(House.id == h[2]).values(occupants=3, floor_area=12))
        db.session.execute(update(House).where(House.id == h[8]).values(occupants=1))
        scans(h[1], now - timedelta(days=1), 2, role="tenant")  # tenants live there: no alert
        scans(h[3], now - timedelta(days=3), 2, role="tenant")
        scans(h[3], now - timedelta(days=20), 1, role="tenant")  # outside the 14-day window
        scans(h[3], now - timedelta(days=2), 4, role=None)  # anonymous scans are not tenants
        for house, days in ((4, 10), (5, 3)):
            db.session.execute(
                update(VerificationTask)
                .where(VerificationTask.house_id == h[house])
                .values(created_at=now - timedelta(days=days))
            )
        db.session.execute(update(House).where(House.id == h[6]).values(verified_at=now - timedelta(days=20)))
        db.session.execute(update(House).where(House.id == h[7]).values(verified_at=now - timedelta(days=25)))
        db.session.execute(update(House).where(House.id == h[8]).values(verified_at=now - timedelta(days=40)))
        scans(h[7], now - timedelta(days=2), 3, result="revoked")
        scans(h[7], now - timedelta(days=2), 1, role="grid_worker")  # a visit
        scans(h[8], now - timedelta(days=2), 1, result="revoked")
        db.session.execute(
            update(Obligation).where(Obligation.house_id == h[7]).values(state="overdue", due_date=date(2025, 1, 31))
        )
        db.session.commit()
    return h


def alerts(auth, query=""):
    resp = auth.client.get(f"{URL}?{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def by_kind(body):
    out = {}
    for a in body["alerts"]:
        out.setdefault(a["kind"], []).append((a["house"]["id"], a["reason"]))
    return out


def test_every_alert_of_a_township_with_its_reason(town, login_as):
    h = town
    body = alerts(login_as("supervisor", A))
    assert body["counts"] == {
        "over_capacity": 2,
        "unregistered_tenants": 1,
        "unverified": 1,
        "rectification_overdue": 1,
        "revoked_scanned": 1,
        "obligations_overdue": 1,
        "not_visited": 1,
        "checkin_conflict": 0,
        "far_verification": 0,  # tests/test_verify_review.py
    }
    assert by_kind(body) == {
        "over_capacity": [(h[1], "capacity_reached"), (h[2], "area_per_person_low")],
        "unregistered_tenants": [(h[3], "tenant_scans_no_tenants")],
        "unverified": [(h[4], "declared_not_verified")],
        "rectification_overdue": [(h[6], "rectification_overdue")],
        "revoked_scanned": [(h[7], "revoked_plate_scanned")],
        "obligations_overdue": [(h[7], "obligations_overdue")],
        "not_visited": [(h[6], "patrol_due")],
    }
    assert B not in str([a["house"]["scope_code"] for a in body["alerts"]])


def test_the_numbers_and_the_text_behind_each_alert(town, login_as):
    h = town
    found = {(a["kind"], a["house"]["id"]): a for a in alerts(login_as("supervisor", A))["alerts"]}
    full = found[("over_capacity", h[1])]
    assert full["numbers"] == {"occupants": 2, "max_occupants": 2, "floor_area": None}
    assert full["text"] == "已住满:在住 2 人,核定 2 人"
    assert found[("over_capacity", h[2])]["numbers"] == {"occupants": 3, "max_occupants": 6, "floor_area": 12.0}
    scan = found[("unregistered_tenants", h[3])]
    assert scan["numbers"]["scans"] == 2 and scan["numbers"]["days"] == 14
    assert "2 次租客扫码" in scan["text"]
    late = found[("unverified", h[4])]
    assert late["numbers"]["days"] == 7
    assert late["text"] == "申报已 10 天仍未核验(超过 7 天)"
    rect = found[("rectification_overdue", h[6])]
    assert rect["numbers"]["deadline"] == (date.today() - timedelta(days=1)).isoformat()
    assert found[("revoked_scanned", h[7])]["numbers"]["scans"] == 3
    assert found[("obligations_overdue", h[7])]["numbers"] == {"obligations": 1, "oldest_due": "2025-01-31"}
    patrol = found[("not_visited", h[6])]
    assert patrol["numbers"]["interval_days"] == 14 and patrol["numbers"]["colour"] == "yellow"
    assert patrol["text"] == "上次走访在 20 天前,巡查周期 14 天"
    english = login_as("supervisor", A, username="en").client.get(f"{URL}?kind=not_visited&lang=en").get_json()
    assert english["alerts"][0]["text"] == "Last visited 20 days ago; patrol interval 14 days"


def test_the_neighbouring_township_sees_only_its_house(town, login_as):
    h8 = town[8]
    body = alerts(login_as("supervisor", B))
    assert by_kind(body) == {
        "over_capacity": [(h8, "capacity_reached")],
        "rectification_overdue": [(h8, "rectification_overdue")],
        "revoked_scanned": [(h8, "revoked_plate_scanned")],
        "not_visited": [(h8, "patrol_due")],  # yellow (rectification overdue, full): 40 days > 14
    }
    assert login_as("supervisor", A, username="a2").client.get(f"{URL}?region={B}").status_code == 404


def test_thresholds_come_from_the_configuration(town, login_as, app):
    app.config["COCKPIT_UNVERIFIED_DAYS"] = 2
    app.config["COCKPIT_PATROL_DAYS"] = {"green": 21, "yellow": 30, "red": 7}
    body = alerts(login_as("supervisor", A), "kind=unverified,not_visited")
    assert body["counts"] == {"unverified": 2, "not_visited": 0}  # h4 and h5; h6's 20 days < 30


def test_kind_filter_limit_and_bad_kind(town, login_as):
    auth = login_as("supervisor", A)
    body = alerts(auth, "kind=over_capacity&limit=1")
    assert body["counts"] == {"over_capacity": 2}
    assert [a["house"]["id"] for a in body["alerts"]] == [town[1]]
    assert auth.client.get(f"{URL}?kind=fire").status_code == 400


def test_alert_exports_csv_and_xlsx(town, login_as, tmp_path):
    auth = login_as("supervisor", A)
    resp = auth.client.get(f"{URL}?format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv" and resp.is_streamed
    assert 'filename="alerts.csv"' in resp.headers["Content-Disposition"]
    lines = resp.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["类型", "原因代码", "说明"]
    assert len(lines) == 1 + 8
    assert "鳌江镇" not in resp.get_data().decode("utf-8")
    resp = auth.client.get(f"{URL}?format=xlsx&kind=over_capacity,obligations_overdue")
    assert resp.status_code == 200
    path = tmp_path / "a.xlsx"
    path.write_bytes(resp.get_data())
    book = load_workbook(path, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert rows[0][:4] == ("类型", "原因代码", "说明", "房屋编号")
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("over_capacity", "capacity_reached", town[1]),
        ("over_capacity", "area_per_person_low", town[2]),
        ("obligations_overdue", "obligations_overdue", town[7]),
    ]
    assert rows[3][8] == "obligations=1; oldest_due=2025-01-31"
    assert auth.client.get(f"{URL}?format=pdf").status_code == 400


def test_a_county_reads_the_alerts_of_the_last_refresh_exactly_as_live(town, login_as, app):
    """Township and above: cockpit_alerts as the refresh found them (same numbers, texts, order); below: live."""
    from backend.cockpit.aggregates import refresh

    h, county = town, "330326"
    auth = login_as("supervisor", county)
    live = alerts(auth)  # no refresh yet: evaluated live
    assert sum(live["counts"].values()) == 12  # 昆阳镇's 8 and h8's 4 in 鳌江镇
    with app.app_context():
        assert refresh()["alerts"] == 12
        db.session.commit()
    stored = alerts(auth)
    assert live.pop("as_of") is None and stored.pop("as_of") is not None
    assert stored == live
    # A change after the refresh: the community sees it at once, the county (and the township) at the next one.
    with app.app_context():
        db.session.execute(update(House).where(House.id == h[3]).values(occupants=1, floor_area=3))
        db.session.commit()
    community = alerts(login_as("supervisor", A + "001", username="c-live"), "kind=over_capacity")
    assert (h[3], "area_per_person_low") in by_kind(community)["over_capacity"]
    township = alerts(login_as("supervisor", A, username="a-stored"), "kind=over_capacity")
    assert (h[3], "area_per_person_low") not in by_kind(township)["over_capacity"]
    assert alerts(auth, "kind=over_capacity")["counts"] == {"over_capacity": 3}  # h1, h2, h8 until the refresh
    assert (h[3], "area_per_person_low") not in by_kind(alerts(auth, "kind=over_capacity"))["over_capacity"]
    with app.app_context():
        refresh()
        db.session.commit()
    assert alerts(auth, "kind=over_capacity")["counts"] == {"over_capacity": 4}
    assert (h[3], "area_per_person_low") in by_kind(alerts(auth, "kind=over_capacity"))["over_capacity"]
    # Paging and the export read the same rows.
    page = alerts(auth, "kind=over_capacity&limit=1&offset=1")
    assert [a["house"]["id"] for a in page["alerts"]] == [h[2]]
    lines = auth.client.get(f"{URL}?format=csv").get_data().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 13
    assert page["as_of"] is not None and community["as_of"] is None
