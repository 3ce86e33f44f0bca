"""A believable town on real Pingyang divisions: community and grid polygons, streets, doors (pure)."""

import random

from shapely.geometry import LineString, Point, Polygon, mapping
from shapely.ops import unary_union

# 昆阳镇 (330326100), the county seat, and 鳌江镇 (330326101) on the Ao river, roughly where they are.
TOWNS = [
    {
        "township": "330326100",
        "box": (120.552, 27.652, 120.584, 27.674),
        "communities": ["西门社区", "县前社区", "解放社区", "东门社区"],
        "rows": 2,
        "streets_ew": ["环城北路", "解放街", "县前街", "坡南街"],
        "streets_ns": ["城西路", "鳌峰路", "兴平路"],
        "compounds": {
            ("解放街", "12"): "鳌峰花园",
            ("县前街", "31"): "县前新村",
            ("坡南街", "58"): "东门小区",
            ("兴平路", "7"): "兴平苑",
        },
    },
    {
        "township": "330326101",
        "box": (120.575, 27.596, 120.595, 27.610),
        "communities": ["滨江社区"],
        "rows": 2,
        "streets_ew": ["江滨路"],
        "streets_ns": ["镇中路"],
        "compounds": {("江滨路", "16"): "江景花园"},
    },
]
DOOR_SPACING_M = 90
SIDE_OFFSET_M = 12
M_PER_DEG_LAT = 111_000


def _lattice(box, cols, rows, rng):
    """Vertices of a cols×rows lattice; inner vertices jittered so cells are not plain rectangles."""
    minx, miny, maxx, maxy = box
    dx, dy = (maxx - minx) / cols, (maxy - miny) / rows
    verts = {}
    for i in range(cols + 1):
        for j in range(rows + 1):
            jx = rng.uniform(-0.18, 0.18) * dx if 0 < i < cols else 0
            jy = rng.uniform(-0.18, 0.18) * dy if 0 < j < rows else 0
            verts[i, j] = (minx + i * dx + jx, miny + j * dy + jy)
    return verts


def _edge_mid(a, b, key, rng_seed, inner):
    """A bent midpoint shared by both cells of an edge (same key → same point)."""
    if not inner:
        return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    rng = random.Random(f"{rng_seed}{key}")
    t = rng.uniform(0.35, 0.65)
    nx, ny = -(b[1] - a[1]), b[0] - a[0]
    k = rng.uniform(-0.08, 0.08)
    return (a[0] + t * (b[0] - a[0]) + k * nx, a[1] + t * (b[1] - a[1]) + k * ny)


def cells(box, cols, rows, seed):
    """(col, row) -> Polygon, tiling the box without gaps or overlaps."""
    rng = random.Random(seed)
    v = _lattice(box, cols, rows, rng)

    def mid(p, q):
        key = tuple(sorted([p, q]))
        inner = not ((p[0] == q[0] and p[0] in (0, cols)) or (p[1] == q[1] and p[1] in (0, rows)))
        return _edge_mid(v[key[0]], v[key[1]], key, seed, inner)

    out = {}
    for i in range(cols):
        for j in range(rows):
            ring = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            pts = []
            for a, b in zip(ring, [*ring[1:], ring[0]], strict=True):
                pts += [v[a], mid(a, b)]
            out[i, j] = Polygon(pts)
    return out


def boundaries(town, seed=2260):
    """GeoJSON features defining the town's communities and grids (code, name, level, parent_code)."""
    cols = len(town["communities"])
    grid_cells = cells(town["box"], cols, town["rows"], f"{seed}{town['township']}")
    features, communities = [], []
    for i, name in enumerate(town["communities"]):
        code = f"{town['township']}{i + 1:03d}"
        polys = [grid_cells[i, j] for j in range(town["rows"])]
        shape = unary_union(polys)
        communities.append((code, name, shape))
        features.append(_feature(code, name, "community", town["township"], shape))
        for j, poly in enumerate(polys):
            features.append(_feature(f"{code}{j + 1:03d}", f"{name}第{j + 1}网格", "grid", code, poly))
    return features, communities


def _feature(code, name, level, parent, geom):
    props = {"code": code, "name": name, "level": level, "parent_code": parent}
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def _offset(line: LineString, dist_m: float, side: int, lat: float) -> tuple[float, float, float, float]:
    """Unit normal of a straight street scaled to metres in degrees."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    m_per_deg_lon = M_PER_DEG_LAT * _cos(lat)
    return -(y1 - y0) / length * side * dist_m / m_per_deg_lon, (x1 - x0) / length * side * dist_m / M_PER_DEG_LAT


def _cos(lat):
    import math

    return math.cos(math.radians(lat))


def streets(town):
    """(name, LineString) for the town's streets, spread across its box."""
    minx, miny, maxx, maxy = town["box"]
    out = []
    for k, name in enumerate(town["streets_ew"]):
        y = maxy - (k + 0.5) * (maxy - miny) / len(town["streets_ew"])  # listed north to south
        out.append((name, LineString([(minx + 0.0005, y), (maxx - 0.0005, y)])))
    for k, name in enumerate(town["streets_ns"]):
        x = minx + (k + 0.5) * (maxx - minx) / len(town["streets_ns"])
        out.append((name, LineString([(x, miny + 0.0005), (x, maxy - 0.0005)])))
    return out


def doors(town):
    """Address rows (without code/region) along the streets; some doors are compounds with flats."""
    rows = []
    for name, line in streets(town):
        lat = line.centroid.y
        metres = line.length * M_PER_DEG_LAT * _cos(lat)
        for k in range(int(metres // DOOR_SPACING_M)):
            p = line.interpolate((k + 0.5) * DOOR_SPACING_M / metres, normalized=True)
            for side, number in ((1, 2 * k + 1), (-1, 2 * k + 2)):
                ox, oy = _offset(line, SIDE_OFFSET_M, side, lat)
                at = Point(p.x + ox, p.y + oy)
                base = {"road": name, "door_number": str(number), "lon": round(at.x, 7), "lat": round(at.y, 7)}
                compound = town["compounds"].get((name, str(number)))
                if compound:
                    rows += _flats(base, compound)
                else:
                    rows.append(base)
    return rows


def _flats(base, compound):
    """Standard addresses of a small compound: 3 buildings × 2 units × 3 floors × 2 rooms."""
    return [
        {**base, "compound": compound, "building": str(b), "unit": str(u), "floor": str(f), "room": f"{f}0{r}"}
        for b in (1, 2, 3)
        for u in (1, 2)
        for f in (1, 2, 3)
        for r in (1, 2)
    ]
