"""A staff user sees their region and everything below it, and nothing beside it."""

import pytest


@pytest.fixture
def login(world, auth, make_user):
    def as_(role, region):
        username = make_user(role, region)
        assert auth.login(username).status_code == 200
        return auth.client

    return as_


def test_township_supervisor_sees_its_communities_grids_not_the_neighbours(login):
    client = login("supervisor", "330326100")
    assert client.get("/api/v1/regions").get_json()["regions"] == [
        {"code": "330326100", "name": "昆阳镇", "level": "township"}
    ]
    township = client.get("/api/v1/regions/330326100").get_json()
    assert [c["code"] for c in township["children"]] == ["330326100001", "330326100002"]
    assert [a["code"] for a in township["ancestors"]] == ["33", "3303", "330326"]
    assert client.get("/api/v1/regions/330326100001001").status_code == 200
    assert client.get("/api/v1/regions/330326101").status_code == 404
    assert client.get("/api/v1/regions/330326101001001").status_code == 404
    assert client.get("/api/v1/regions/330326").status_code == 404  # the parent is beside the scope too


def test_grid_worker_sees_only_the_addresses_of_their_grid(login):
    client = login("grid_worker", "330326100001001")
    found = {r["code"] for r in client.get("/api/v1/addresses?q=解放街").get_json()["results"]}
    assert found == {"A1-1", "A1-2"}
    assert client.get("/api/v1/addresses/A1-1").status_code == 200
    assert client.get("/api/v1/addresses/A1-3").status_code == 404
    assert client.get("/api/v1/addresses/B1-1").status_code == 404


def test_county_police_see_both_townships(login):
    client = login("police", "330326")
    found = {r["code"] for r in client.get("/api/v1/addresses?q=解放街").get_json()["results"]}
    assert {"A1-1", "B1-1"} <= found


def test_admin_without_region_sees_everything(login):
    client = login("admin", None)
    assert client.get("/api/v1/regions").get_json()["regions"][0]["code"] == "33"
    assert client.get("/api/v1/regions/330326101001001").status_code == 200


def test_landlord_searches_the_whole_registry_but_cannot_browse_regions(login):
    client = login("landlord", None)
    found = {r["code"] for r in client.get("/api/v1/addresses?q=解放街12号").get_json()["results"]}
    assert {"A1-1", "A1-2", "B1-1"} <= found
    assert client.get("/api/v1/regions").status_code == 403


def test_grid_lookup_by_point_respects_scope(login):
    client = login("supervisor", "330326100")
    body = client.get("/api/v1/grids/at?lon=120.515&lat=27.61").get_json()
    assert body["grid"]["code"] == "330326100001002"
    assert [a["code"] for a in body["ancestors"]][-2:] == ["330326100", "330326100001"]
    assert client.get("/api/v1/grids/at?lon=120.61&lat=27.61").get_json()["grid"] is None  # 鳌江镇: beside
    assert client.get("/api/v1/grids/at?lon=120.70&lat=27.70").get_json()["grid"] is None
    bad = client.get("/api/v1/grids/at?lon=east&lat=27.61")
    assert bad.status_code == 400 and "lon" in bad.get_json()["error"]["fields"]


def test_scope_filter_is_one_rule_for_every_level(world, make_user):
    from sqlalchemy import select

    from backend.addresses.models import Address
    from backend.auth.models import User
    from backend.auth.scope import scope_filter
    from backend.extensions import db

    expected = {
        "330326": {"A1-1", "A1-2", "A1-3", "A1-4", "A2-1", "B1-1", "X-1"},
        "330326100": {"A1-1", "A1-2", "A1-3", "A1-4", "A2-1", "X-1"},
        "330326100001": {"A1-1", "A1-2", "A1-3", "A1-4"},
        "330326100002": {"A2-1", "X-1"},
        "330326100001002": {"A1-3", "A1-4"},
        "330326101": {"B1-1"},
    }
    for region, codes in expected.items():
        username = make_user("supervisor", region)
        with world.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            seen = set(db.session.scalars(select(Address.code).where(scope_filter(user, Address.scope_code))))
        assert seen == codes, region
