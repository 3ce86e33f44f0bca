"""Heat-map cells and the grid choropleth against a hand-computed fixture, both databases, scope included.

Cells of 0.008°: (15063, 3451) holds A1-1 and A1-2, (15064, 3451) A1-3 and A1-4, (15066, 3451) A2-1,
(15087, 3462) X-1; B1-1 lies in 鳌江镇. No coordinate is near a cell edge.
"""

import pytest

from backend.extensions import db
from backend.tenancy.models import Person, Tenancy

A, B = "330326100", "330326101"
HEAT, GRIDS = "/api/v1/cockpit/heatmap", "/api/v1/cockpit/grids"


@pytest.fixture
def town(world, houses):
    h = {
        "A1-1": houses.add("A1-1"),
        "A1-1 北间": houses.unit("A1-1", "北间"),  # declared: live
        "A1-2": houses.add("A1-2", notices=[("penalty", "处罚", None, "issued")]),  # red
        "A1-3": houses.add("A1-3", status="withdrawn"),  # not live: no longer on the map
        "A1-4": houses.add("A1-4"),
        "A2-1": houses.add("A2-1"),
        "X-1": houses.add("X-1", status="declared"),
        "B1-1": houses.add("B1-1", max_occupants=6),  # five tenants: the capacity CHECK holds in fixtures too
    }
    people = [("A1-1", "active"), ("A1-1", "active"), ("A1-2", "active"), ("A1-2", "pending")]
    people += [("A1-4", "active")] * 3 + [("A2-1", "active")] + [("B1-1", "active")] * 5
    with world.app_context():
        for n, (house, status) in enumerate(people):
            person = Person(name_enc="x", id_number_enc="x", id_number_index=f"m{n}", phone_enc="x", phone_index="p")
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Tenancy(house_id=h[house], person_id=person.id, move_in=db.func.current_date(), status=status)
            )
        db.session.commit()
    return h


def get(auth, url):
    resp = auth.client.get(url)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_house_cells_of_a_township(town, login_as):
    body = get(login_as("supervisor", A), f"{HEAT}?cell=0.008")
    assert body["measure"] == "houses"
    assert body["cells"] == [[120.508, 27.612, 3], [120.516, 27.612, 1], [120.532, 27.612, 1], [120.7, 27.7, 1]]
    assert body["total"] == 6
    assert body["suppressed"] == {"cells": 0, "count": 0}


def test_tenant_cells_hide_small_or_single_house_cells(town, login_as):
    body = get(login_as("supervisor", A), f"{HEAT}?cell=0.008&measure=tenants")
    # 3 tenants in 2 houses are drawn; 3 tenants all in A1-4, and A2-1's single tenant, are not.
    assert body["cells"] == [[120.508, 27.612, 3]]
    assert body["suppressed"] == {"cells": 2, "count": 4}
    assert body["total"] == 7
    assert body["min_count"] == 3


def test_the_neighbouring_township_has_its_own_cells(town, login_as):
    body = get(login_as("supervisor", B), f"{HEAT}?cell=0.008&measure=tenants")
    assert body["cells"] == []  # 5 tenants, but one house
    assert body["suppressed"] == {"cells": 1, "count": 5}
    body = get(login_as("supervisor", B, username="b2"), f"{HEAT}?cell=0.008")
    assert body["cells"] == [[120.612, 27.612, 1]]
    assert login_as("supervisor", A, username="a2").client.get(f"{HEAT}?region={B}").status_code == 404


def test_cell_size_is_checked(town, login_as):
    auth = login_as("supervisor", A)
    for bad in ("0", "1", "x"):
        assert auth.client.get(f"{HEAT}?cell={bad}").status_code == 400
    assert auth.client.get(f"{HEAT}?measure=people").status_code == 400


def values(body):
    return {f["properties"]["code"]: f["properties"]["value"] for f in body["features"]}


def test_grid_choropleth_values(town, login_as):
    auth = login_as("supervisor", A)
    body = get(auth, f"{GRIDS}?measure=houses")
    assert body["type"] == "FeatureCollection"
    # X-1 lies in no grid: it is in the township's totals, on no polygon.
    assert values(body) == {"330326100001001": 3, "330326100001002": 1, "330326100002001": 1}
    assert values(get(auth, f"{GRIDS}?measure=tenants")) == {
        "330326100001001": 3,
        "330326100001002": 3,
        "330326100002001": 1,
    }
    assert values(get(auth, f"{GRIDS}?measure=red")) == {
        "330326100001001": 1,
        "330326100001002": 0,
        "330326100002001": 0,
    }
    assert values(get(auth, f"{GRIDS}?measure=backlog")) == {
        "330326100001001": 1,  # the declared room of A1-1
        "330326100001002": 0,
        "330326100002001": 0,
    }
    west = next(f for f in body["features"] if f["properties"]["code"] == "330326100001001")
    assert west["properties"]["name"] == "西门第1网格"
    assert west["geometry"]["type"] == "Polygon"
    ring = west["geometry"]["coordinates"][0]
    assert len(ring) == 5
    assert {(round(x, 6), round(y, 6)) for x, y in ring} == {
        (120.5, 27.6),
        (120.51, 27.6),
        (120.51, 27.62),
        (120.5, 27.62),
    }


def test_grid_choropleth_scope(town, login_as):
    assert values(get(login_as("supervisor", B), f"{GRIDS}")) == {"330326101001001": 1}
    one = get(login_as("grid_worker", "330326100001002"), f"{GRIDS}?measure=tenants")
    assert values(one) == {"330326100001002": 3}
    assert set(values(get(login_as("admin"), GRIDS))) == {
        "330326100001001",
        "330326100001002",
        "330326100002001",
        "330326101001001",
    }
