"""What the staff screens of the app read and write: a grid's houses with their last visit, an officer's open
notices with their address, and photos uploaded raw (as the outbox sends them) idempotently."""

import io
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.fastpath import fastscan

GRID = "330326100001001"
TOWN = "330326100"


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def upload(auth, data, key):
    """As pwa/js/multipart.js sends it: multipart with a boundary fixed by the key, so a replay is byte-identical."""
    boundary = f"menpai-{key}"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return auth.client.post(
        "/api/v1/photos",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-CSRF-Token": auth.csrf,
            "Idempotency-Key": key,
        },
    )


def photo_count(app):
    from backend.uploads.models import Photo

    with app.app_context():
        return db.session.scalar(select(func.count(Photo.id)))


def task_of(app, house_id):
    from backend.verification.models import VerificationTask

    with app.app_context():
        return db.session.scalar(select(VerificationTask.id).where(VerificationTask.house_id == house_id))


def test_a_raw_photo_replayed_under_its_key_is_stored_once_with_the_same_id(app, houses, login_as):
    worker = login_as("grid_worker", GRID)
    first = upload(worker, jpeg(), "photo-key-0001")
    again = upload(worker, jpeg(), "photo-key-0001")
    assert first.status_code == again.status_code == 201, first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.get_json()["id"] == again.get_json()["id"]
    assert photo_count(app) == 1
    other = upload(worker, jpeg((10, 200, 10)), "photo-key-0002")
    assert other.get_json()["id"] != first.get_json()["id"] and photo_count(app) == 2


def test_grid_houses_show_the_last_visit_once_verified_with_photos(app, houses, login_as):
    house = houses.add("A1-1", status="declared")
    houses.add("B1-1")  # another township: not in the list
    worker = login_as("grid_worker", GRID)
    rows = worker.client.get("/api/v1/houses").get_json()["houses"]
    assert [(r["id"], r["last_visit_at"], r["colour"]) for r in rows] == [(house, None, "grey")]

    photo = upload(worker, jpeg(), "photo-key-0003").get_json()["id"]
    visit = worker.post(
        f"/api/v1/tasks/{task_of(app, house)}/verify",
        {
            "lat": 27.6101,
            "lon": 120.5051,
            "accuracy": 8,
            "outcome": "approved",
            "checklist": {"address_matches": True, "rooms_match": True, "fire_self_check_confirmed": True},
            "photos": [photo],
        },
    )
    assert visit.status_code == 201, visit.get_json()
    [row] = worker.client.get("/api/v1/houses").get_json()["houses"]
    assert row["last_visit_at"] is not None and row["status"] == "active" and row["colour"] == "green"
    from backend.uploads.models import Photo

    with app.app_context():
        assert db.session.get(Photo, photo).verification_id == visit.get_json()["id"]


def test_the_house_list_shows_a_field_scan_as_the_last_visit_and_a_landlords_scan_not(app, houses, login_as):
    house = houses.add("A1-1")
    token = houses.plate(house)[0]
    worker, landlord = login_as("grid_worker", GRID), login_as("landlord", username="landlord-visit")

    def visited():
        [row] = worker.client.get("/api/v1/houses").get_json()["houses"]
        return row["last_visit_at"]

    assert visited() is None
    assert landlord.client.get(f"/api/v1/doorplates/{token}").status_code == 200  # not a field visit
    assert visited() is None
    assert worker.client.get(f"/api/v1/doorplates/{token}").status_code == 200
    fastscan.flush(app)
    assert visited() is not None


def test_an_officers_open_notices_carry_the_address_soonest_first_and_mine_filters_by_issuer(app, houses, login_as):
    later, sooner = houses.add("A1-1"), houses.add("A1-2")
    officer, colleague = login_as("fire_officer", TOWN, "fire-a"), login_as("fire_officer", TOWN, "fire-b")
    rectify = {"kind": "rectification", "title": "疏通楼道", "legal_basis": "消防法第十六条"}

    def issue(auth, house, days):
        deadline = (date.today() + timedelta(days=days)).isoformat()
        body = {**rectify, "deadline": deadline, "items": [{"description": "清理杂物"}]}
        resp = auth.post(f"/api/v1/houses/{house}/notices", body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    mine_later, mine_sooner = issue(officer, later, 20), issue(officer, sooner, 5)
    theirs = issue(colleague, later, 10)
    everything = officer.client.get("/api/v1/notices?open=1").get_json()["notices"]
    assert [n["id"] for n in everything] == [mine_sooner, theirs, mine_later]
    assert everything[0]["address"].endswith("解放街12号") and everything[0]["days_left"] == 5
    mine = officer.client.get("/api/v1/notices?open=1&mine=1").get_json()["notices"]
    assert [n["id"] for n in mine] == [mine_sooner, mine_later]


def test_staff_find_houses_by_words_of_the_address_in_any_order_within_scope(app, houses, login_as):
    twelve, hundred_twelve, other = houses.add("A1-1"), houses.add("A1-3"), houses.add("A2-1")
    houses.add("B1-1")  # 解放街12号 too, but in the township next door
    supervisor = login_as("supervisor", TOWN)

    def found(q):
        resp = supervisor.client.get("/api/v1/houses", query_string={"q": q})
        assert resp.status_code == 200, resp.get_json()
        return sorted(r["id"] for r in resp.get_json()["houses"])

    assert found("解放街") == sorted([twelve, hundred_twelve])
    assert found("12号 解放街") == [twelve], "a whole part, not inside 112号"
    assert found("１２号　解放街") == [twelve], "full-width digits and blanks as typed on a phone"
    assert found("县前街 5号") == [other]
    assert found("解放街 99号") == [] and found("%") == sorted([twelve, hundred_twelve, other])
