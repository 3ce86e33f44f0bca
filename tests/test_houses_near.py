"""GET /api/v1/houses?near=lon,lat: nearest first in metres (not degrees), scoped, paged, on both databases.

From P = (120.5215, 27.601), inside 县前第1网格 (330326100002001):
  Q1 = 0.0100° east  ≈  986 m      Q2 = 0.0093° north ≈ 1028 m
In degrees Q2 is nearer (0.0093 < 0.0100); in metres Q1 is, by 42 m (a longitude degree is cos(27.6°) = 0.886
of a latitude degree). Then A1-3 ≈ 1184 m, A2-1 ≈ 1301 m, A1-4 ≈ 1331 m, A1-1, A1-2, B1-1 (in 鳌江镇), X-1.
"""

import math

import pytest

from backend.extensions import db

P = (120.5215, 27.601)
EXTRA = [("Q1", 120.5315, 27.601), ("Q2", 120.5215, 27.6103)]
POINTS = {
    "Q1": (120.5315, 27.601),
    "Q2": (120.5215, 27.6103),
    "A1-1": (120.505, 27.61),
    "A1-2": (120.505, 27.611),
    "A1-3": (120.515, 27.61),
    "A1-4": (120.516, 27.612),
    "A2-1": (120.53, 27.61),
    "B1-1": (120.61, 27.61),
    "X-1": (120.70, 27.70),
}
URL = "/api/v1/houses?near={},{}".format(*P)


def haversine_m(a, b):
    """Great-circle metres (sphere): PostGIS and SpatiaLite measure on the ellipsoid, within 0.5 % of this."""
    (lon1, lat1), (lon2, lat2) = a, b
    r = math.pi / 180
    h = (
        math.sin((lat2 - lat1) * r / 2) ** 2
        + math.cos(lat1 * r) * math.cos(lat2 * r) * math.sin((lon2 - lon1) * r / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


@pytest.fixture
def town(world, houses, tmp_path):
    """A house at every world address and at Q1, Q2; {house id: address code}."""
    from backend.addresses.assign import assign_grids
    from backend.addresses.importer import CSV_COLUMNS, import_file

    path = tmp_path / "extra.csv"
    rows = [f"{code},330326100002,县前街,{n + 90},,,,,,{lon},{lat}" for n, (code, lon, lat) in enumerate(EXTRA)]
    path.write_text("\n".join([",".join(CSV_COLUMNS), *rows]) + "\n", encoding="utf-8")
    with world.app_context():
        import_file(path)
        assign_grids()
        db.session.commit()
    codes = [c for c in POINTS if c != "X-1"]
    ids = {houses.add(code): code for code in codes}
    ids[houses.add("X-1", status="declared")] = "X-1"
    return ids


def names(town, resp):
    assert resp.status_code == 200, resp.get_json()
    return [town[h["id"]] for h in resp.get_json()["houses"]]


def test_near_orders_by_metres_not_degrees(town, login_as):
    resp = login_as("supervisor", "330326").client.get(URL)
    order = names(town, resp)
    assert order[:2] == ["Q1", "Q2"]  # the degree order would put Q2 first
    assert order == sorted(POINTS, key=lambda c: haversine_m(P, POINTS[c]))
    for h in resp.get_json()["houses"]:
        expected = haversine_m(P, POINTS[town[h["id"]]])
        assert h["distance_m"] == pytest.approx(expected, rel=0.005)


def test_near_first_row_survives_the_knn_candidates(town, login_as):
    # limit=1: on PostGIS the KNN index picks 4 candidates in degree order (Q2 first), then metres decide.
    assert names(town, login_as("supervisor", "330326").client.get(URL + "&limit=1")) == ["Q1"]


def test_near_pages_with_offset(town, login_as):
    client = login_as("supervisor", "330326").client
    assert names(town, client.get(URL + "&limit=2&offset=2")) == ["A1-3", "A2-1"]


def test_near_stays_in_scope_and_filters(town, login_as):
    assert names(town, login_as("supervisor", "330326101").client.get(URL)) == ["B1-1"]
    grid = login_as("grid_worker", "330326100002001").client
    assert names(town, grid.get(URL)) == ["Q1", "Q2", "A2-1"]
    county = login_as("supervisor", "330326", username="county2").client
    assert names(town, county.get(URL + "&status=declared")) == ["X-1"]


def test_list_without_near_has_no_distance(town, login_as):
    resp = login_as("supervisor", "330326").client.get("/api/v1/houses")
    assert resp.status_code == 200
    assert all("distance_m" not in h for h in resp.get_json()["houses"])


@pytest.mark.parametrize(
    ("near", "message"),
    [
        ("abc", "必须是数字。"),
        ("120.5", "必须是数字。"),
        ("1,2,3", "必须是数字。"),
        ("200,27", "超出允许范围。"),
        ("120,95", "超出允许范围。"),
    ],
)
def test_near_rejects_a_bad_point(town, login_as, near, message):
    resp = login_as("supervisor", "330326").client.get(f"/api/v1/houses?near={near}")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["fields"] == {"near": message}  # zh-CN, the default language
