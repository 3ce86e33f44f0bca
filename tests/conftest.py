"""Fixtures: one suite, two databases (SQLite+SpatiaLite by default, PostGIS with TEST_DATABASE_URL)."""

import json
import os
import shutil
import time

import flask_migrate
import pytest
from sqlalchemy import create_engine, text

from backend import create_app
from backend.extensions import db
from backend.fastpath import fastscan

PG_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct-horse-battery"
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PUBLIC_BASE_URL": "https://menpai.test",
    # scrypt costs ~70 ms a hash; the suite creates many users. test_auth checks the default is scrypt.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # Scan rows written before the response returns, so a test can count them (test_scanlog covers the batches).
    "SCAN_FLUSH_SECONDS": 0,
    "READ_AUDIT_FLUSH_SECONDS": 0,
    # A page cache dropped by asynchronous notifications would make "change, then read" tests racy; test_pagecache
    # turns it on and waits for the notification where it must.
    "LANDING_CACHE_ENTRIES": 0,
    "SESSION_CACHE_ENTRIES": 0,
    # The cockpit fixtures put events on UTC midnights; test_cockpit_days cuts the same events in Asia/Shanghai,
    # the default.
    "COCKPIT_TIMEZONE": "UTC",
}
# CI runs the PostgreSQL suite once more with the session cache on: every signed-in request then gets a cached,
# detached user (auth/operations.py), which any view must cope with.
SESSION_CACHE = bool(os.environ.get("MENPAI_TEST_SESSION_CACHE"))
if SESSION_CACHE:
    TEST_CONFIG["SESSION_CACHE_ENTRIES"] = 100


def wait_for(predicate, seconds=5.0):
    """Poll until predicate() holds (a NOTIFY to arrive, a listener to connect); False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def pytest_report_header(config):
    cache = ", session cache on" if SESSION_CACHE else ""
    return f"database: {'PostgreSQL+PostGIS ' + PG_URL if PG_URL else 'SQLite+SpatiaLite'}{cache}"


def _reset_postgres(url):
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.execute(text("CREATE EXTENSION postgis"))
    engine.dispose()


def make_app(url, **overrides):
    return create_app({**TEST_CONFIG, "DATABASE_URL": url, **overrides})


def migrate_to_head(url):
    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """An empty database migrated from nothing: the PostGIS test database, or a SQLite file to copy."""
    if PG_URL:
        _reset_postgres(PG_URL)
        migrate_to_head(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "menpai.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


def _truncate_all():
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app(database_template, tmp_path):
    if PG_URL:
        url = PG_URL
    else:
        shutil.copy(database_template, tmp_path / "menpai.db")
        url = f"sqlite:///{tmp_path / 'menpai.db'}"
    app = make_app(url)
    app.instance_path = str(tmp_path / "instance")
    yield app
    with app.app_context():
        db.session.remove()
        if PG_URL:
            _truncate_all()
        db.engine.dispose()
    fastscan.dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Log a test client in and send writes with the CSRF token, as the PWA does."""

    def __init__(self, client):
        self.client, self.csrf = client, None

    def login(self, username, password=PASSWORD):
        resp = self.client.post("/api/v1/auth/login", json={"username": username, "password": password})
        if resp.status_code == 200:
            self.csrf = resp.get_json()["csrf_token"]
        return resp

    def post(self, url, json=None):
        return self.client.post(url, json=json, headers={"X-CSRF-Token": self.csrf or ""})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def make_user(app):
    """create_user(...) committed; returns the username."""
    from backend.auth.operations import create_user

    def make(role, region_code=None, username=None, password=PASSWORD):
        username = username or f"{role}-{region_code or 'all'}"
        with app.app_context():
            create_user(username, password, role, region_code)
            db.session.commit()
        return username

    return make


def square(lon, lat, w, h):
    """A GeoJSON polygon with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code, geometry, **props):
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geometry}


def write_geojson(path, features, **extra):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}, ensure_ascii=False))
    return path


# Two townships of Pingyang county; A has two communities, B one. Grids tile each community.
#   A1 = 330326100001: lon 120.50–120.52, grids 001 (west half) and 002 (east half)
#   A2 = 330326100002: lon 120.52–120.54, grid 001
#   B1 = 330326101001: lon 120.60–120.62, grid 001
WORLD_REGIONS = [
    ("33", "浙江省", "province", ""),
    ("3303", "温州市", "city", "33"),
    ("330326", "平阳县", "county", "3303"),
    ("330326100", "昆阳镇", "township", "330326"),
    ("330326101", "鳌江镇", "township", "330326"),
]
WORLD_AREAS = [
    ("330326100001", "西门社区", "community", "330326100", square(120.50, 27.60, 0.02, 0.02)),
    ("330326100001001", "西门第1网格", "grid", "330326100001", square(120.50, 27.60, 0.01, 0.02)),
    ("330326100001002", "西门第2网格", "grid", "330326100001", square(120.51, 27.60, 0.01, 0.02)),
    ("330326100002", "县前社区", "community", "330326100", square(120.52, 27.60, 0.02, 0.02)),
    ("330326100002001", "县前第1网格", "grid", "330326100002", square(120.52, 27.60, 0.02, 0.02)),
    ("330326101001", "滨江社区", "community", "330326101", square(120.60, 27.60, 0.02, 0.02)),
    ("330326101001001", "滨江第1网格", "grid", "330326101001", square(120.60, 27.60, 0.02, 0.02)),
]
# code, region, road, door, building, unit, room, lon, lat  (the last one lies in no grid)
WORLD_ADDRESSES = [
    ("A1-1", "330326100001", "解放街", "12", "3", "2", "301", 120.505, 27.61),
    ("A1-2", "330326100001", "解放街", "12", "", "", "", 120.505, 27.611),
    ("A1-3", "330326100001", "解放街", "112", "", "", "", 120.515, 27.61),
    ("A1-4", "330326100001", "解放路", "12", "", "", "", 120.516, 27.612),
    ("A2-1", "330326100002", "县前街", "5", "", "", "", 120.53, 27.61),
    ("B1-1", "330326101001", "解放街", "12", "3", "", "", 120.61, 27.61),
    ("X-1", "330326100002", "城郊路", "1", "", "", "", 120.70, 27.70),
]


@pytest.fixture
def world(app, tmp_path):
    """The small two-township world above, built through the real importers."""
    from backend.addresses.assign import assign_grids
    from backend.addresses.importer import CSV_COLUMNS, import_file
    from backend.regions.boundaries import import_boundaries
    from backend.regions.importer import apply_rows
    from backend.regions.validate import RegionRow

    geojson = write_geojson(
        tmp_path / "areas.geojson",
        [
            feature(code, geom, name=name, level=level, parent_code=parent)
            for code, name, level, parent, geom in WORLD_AREAS
        ],
    )
    csv_path = tmp_path / "addresses.csv"
    lines = [",".join(CSV_COLUMNS)]
    for code, region, road, door, building, unit, room, lon, lat in WORLD_ADDRESSES:
        lines.append(f"{code},{region},{road},{door},,{building},{unit},,{room},{lon},{lat}")
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with app.app_context():
        apply_rows([RegionRow(i + 2, *row) for i, row in enumerate(WORLD_REGIONS)])
        import_boundaries(geojson)
        import_file(csv_path)
        assign_grids()
        db.session.commit()
    return app


class Houses:
    """Rental houses on the world's addresses, each with its doorplate; handles are address codes."""

    def __init__(self, app):
        self.app = app

    def add(self, address_code, status="active", max_occupants=4, landlord=None, notices=()):
        """A house at address_code in status, with notices [(kind, title, deadline or None, status)]."""
        from sqlalchemy import select

        from backend.addresses.models import Address
        from backend.auth.models import User
        from backend.demo.houses import seed_as_verified
        from backend.fire.models import FireNotice
        from backend.houses.operations import register_house

        with self.app.app_context():
            address = db.session.scalar(select(Address).where(Address.code == address_code))
            owner = db.session.scalar(select(User).where(User.username == landlord)) if landlord else None
            house = register_house(address, landlord=owner, max_occupants=max_occupants)
            plate = house_plate(house)
            if status != "declared":
                seed_as_verified(house, plate)
            house.status = status
            for kind, title, deadline, notice_status in notices:
                db.session.add(
                    FireNotice(house_id=house.id, kind=kind, title=title, deadline=deadline, status=notice_status)
                )
            db.session.commit()
            return house.id

    def unit(self, address_code, unit_label):
        """A second, declared house at an address already let (a room of it); its id."""
        from sqlalchemy import select

        from backend.addresses.models import Address
        from backend.houses.operations import register_house

        with self.app.app_context():
            address = db.session.scalar(select(Address).where(Address.code == address_code))
            house = register_house(address, max_occupants=4, unit_label=unit_label)
            db.session.commit()
            return house.id

    def revoke(self, house_id, reason="lost"):
        from backend.doorplates.operations import revoke
        from backend.houses.models import House

        with self.app.app_context():
            revoke(house_plate(db.session.get(House, house_id)), reason)
            db.session.commit()

    def plate(self, house_id):
        """(token, short code, url) of the house's current plate."""
        from backend.doorplates.operations import token_of, url_of
        from backend.houses.models import House

        with self.app.app_context():
            plate = house_plate(db.session.get(House, house_id))
            return token_of(plate), plate.short_code, url_of(plate)


def house_plate(house):
    from sqlalchemy import select

    from backend.doorplates.models import Doorplate

    return db.session.scalar(select(Doorplate).where(Doorplate.house_id == house.id))


@pytest.fixture
def houses(world):
    return Houses(world)


@pytest.fixture
def login_as(app, make_user):
    """login_as(role, region=None, username=None): a fresh client logged in as a new user of that role."""

    def login(role, region=None, username=None):
        auth = Auth(app.test_client())
        resp = auth.login(make_user(role, region, username=username))
        assert resp.status_code == 200, resp.get_json()
        return auth

    return login
