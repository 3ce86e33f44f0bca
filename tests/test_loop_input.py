"""Bad input across the loop's API gets the error shape with field details and writes nothing."""

import io
from datetime import date, timedelta

import pytest
from loop_helpers import answers, declaration, id_number, person
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.houses.models import House
from backend.tenancy.models import Person, Tenancy
from backend.uploads.models import Photo
from backend.verification.models import Verification


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _fields(resp):
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]["fields"]


@pytest.mark.parametrize(
    ("change", "bad_fields"),
    [
        ({"rooms": None, "max_occupants": None}, {"rooms", "max_occupants"}),
        ({"rooms": "two", "floor_area": -3}, {"rooms", "floor_area"}),
        ({"rent_type": "castle"}, {"rent_type"}),
        ({"fire_self_check": {"extinguisher": True}}, {"fire_self_check"}),
        ({"fire_self_check": {**answers("fire_self_check"), "moat": True}}, {"fire_self_check"}),
        ({"photos": [99999]}, {"photos"}),
        ({"address_code": "NOPE"}, {"address_code"}),
    ],
)
def test_bad_declarations_name_their_fields_and_write_nothing(app, world, login_as, change, bad_fields):
    landlord = login_as("landlord")
    resp = landlord.post("/api/v1/houses", json={**declaration(), **change})
    assert resp.status_code in (400, 404) and set(_fields(resp)) == bad_fields
    assert _count(app, House) == 0


def test_wrong_json_types_and_non_json_bodies(app, world, login_as):
    landlord = login_as("landlord")
    assert landlord.post("/api/v1/houses", json=["not", "an", "object"]).status_code == 400
    resp = landlord.client.post(
        "/api/v1/houses",
        data="rooms=2",
        headers={"X-CSRF-Token": landlord.csrf},
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"


@pytest.fixture
def active_token(houses):
    house = houses.add("A1-1", max_occupants=2)
    return houses.plate(house)[0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")}, "id_number"),  # checksum
        ({"id_number": "33032620991301123X"}, "id_number"),
        ({"phone": "12812345678"}, "phone"),
        ({"name": "张3"}, "name"),
        ({"move_in": "2026-13-01"}, "move_in"),
        ({"move_in": (date.today() + timedelta(days=90)).isoformat()}, "move_in"),
        ({"expected_move_out": "2000-01-01"}, "expected_move_out"),
    ],
)
def test_bad_check_ins_are_refused_and_nothing_is_kept(app, login_as, active_token, change, field):
    tenant = login_as("tenant")
    body = {**person(0), "move_in": date.today().isoformat(), **change}
    resp = tenant.post(f"/api/v1/doorplates/{active_token}/check-in", json=body)
    assert resp.status_code == 400 and field in _fields(resp)
    assert _count(app, Tenancy) == 0 and _count(app, Person) == 0


def test_out_of_range_coordinates_are_refused(app, houses, login_as):
    houses.add("A1-1", status="declared")
    worker = login_as("grid_worker", "330326100001001")
    (task,) = worker.client.get("/api/v1/tasks").get_json()["tasks"]
    base = {"accuracy": 10, "outcome": "approved", "checklist": answers("verification")}
    for fix, field in (
        ({"lat": 95, "lon": 120.5}, "lat"),
        ({"lat": 27.6, "lon": 200}, "lon"),
        ({"lat": 45.0, "lon": 27.6}, "lon"),
        ({"lat": "x", "lon": 120.5}, "lat"),
    ):
        resp = worker.post(f"/api/v1/tasks/{task['id']}/verify", json={**base, **fix})
        assert resp.status_code == 400 and field in _fields(resp), fix
    assert worker.client.get("/api/v1/tasks?lon=500&lat=1").status_code == 400
    assert _count(app, Verification) == 0


def _upload(auth, data, name="photo.jpg"):
    return auth.client.post(
        "/api/v1/photos",
        data={"photo": (io.BytesIO(data), name)},
        headers={"X-CSRF-Token": auth.csrf},
        content_type="multipart/form-data",
    )


def test_uploads_must_be_real_photos(app, world, login_as):
    landlord = login_as("landlord")
    big = io.BytesIO()
    Image.new("L", (8000, 5000)).save(big, "PNG", optimize=True)  # 40 megapixels in a small file
    for data, reason, status, code in (
        (b"hello, I am a text file", "error.upload_not_image", 400, "validation_failed"),
        (big.getvalue(), "error.upload_too_many_pixels", 413, "image_too_large"),
    ):
        resp = _upload(landlord, data)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), resp.get_json()
        assert _fields(resp)["photo"] and resp.get_json()["error"]["fields"]["photo"] != reason  # translated text
    assert _count(app, Photo) == 0


def test_exif_gps_never_reaches_the_store(app, world, login_as, tmp_path):
    landlord = login_as("landlord")
    img, exif = Image.new("RGB", (40, 20), "red"), Image.Exif()
    exif.get_ifd(0x8825)[2] = (30.0, 15.0, 0.0)  # GPS latitude
    raw = io.BytesIO()
    img.save(raw, "JPEG", exif=exif)
    assert b"Exif" in raw.getvalue()
    resp = _upload(landlord, raw.getvalue())
    assert resp.status_code == 201
    stored = landlord.client.get(f"/api/v1/photos/{resp.get_json()['id']}")
    assert stored.mimetype == "image/jpeg" and b"Exif" not in stored.data
    assert not Image.open(io.BytesIO(stored.data)).getexif()
