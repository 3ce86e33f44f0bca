"""Generate benchmark input: community/grid boundaries (GeoJSON) and N standard addresses (CSV).

Communities sit under real townships of 平阳县 (330326); every community is a block of jagged grid cells
from backend.demo.town.cells, so grids tile their community exactly and siblings never overlap.
Addresses are doors on named roads; some doors are compounds with buildings/units/floors/rooms, some have
only buildings. About 1% of doors lie in a strip east of their township, outside every grid.

Run on its own (the benchmark runs it as a child process so its memory does not count):
    .venv/bin/python bench/gen_addresses.py --addresses 100000 --grids 400 --out bench/out
Writes boundaries-g<G>.geojson, addresses-<N>-g<G>.csv and addresses-<N>-g<G>-samples.json.
"""

import argparse
import csv
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Real 平阳县 townships (code, name); communities are placed under the first --townships of them.
TOWNSHIPS = [
    ("330326100", "昆阳镇"),
    ("330326101", "鳌江镇"),
    ("330326102", "水头镇"),
    ("330326103", "萧江镇"),
    ("330326117", "万全镇"),
    ("330326118", "海西镇"),
    ("330326120", "麻步镇"),
    ("330326105", "腾蛟镇"),
]
ORIGIN = (120.30, 27.50)  # south-west corner of the first township box, roughly Pingyang
CELL_W, CELL_H = 0.004, 0.0035  # one grid cell ≈ 400 m × 390 m
TOWNSHIP_GAP = 0.02  # degrees of longitude between township boxes (the "outside" strip lives here)
OUTSIDE_SHARE = 0.01  # doors placed outside every grid
_WORDS = """
解放 人民 新华 中山 建设 胜利 文化 学府 江滨 镇中 兴平 鳌峰 县前 坡南 城西 环城 东门 西门 南门 北门
白石 青龙 凤凰 金山 银湖 龙泉 云溪 朝阳 振兴 双桥 南湖 北港 东岳 西湾 月湖 松山 桂花 梅园 柳堤 荷塘
和平 团结 光明 幸福 新河 古城 通福 宝胜 万寿 昆山
"""
WORDS = tuple(_WORDS.split())
ROAD_SUFFIXES = ("路", "街", "巷", "大道", "东路", "西路")
COMPOUND_KINDS = ("花园", "小区", "新村", "苑", "公寓", "家园")
ROADS_PER_TOWNSHIP = 80
ROADS_PER_COMMUNITY = 8


def factor(k: int) -> tuple[int, int]:
    """cols × rows == k, as square as possible (cols ≥ rows)."""
    rows = max(r for r in range(1, math.isqrt(k) + 1) if k % r == 0)
    return k // rows, rows


def layout(grids: int, townships: int, per_community: int) -> list[dict]:
    """Townships with their community count, community lattice and box, side by side from ORIGIN."""
    if grids % per_community:
        raise SystemExit(f"--grids ({grids}) must be a multiple of --grids-per-community ({per_community})")
    communities = grids // per_community
    townships = min(townships, len(TOWNSHIPS), communities)
    gc, gr = factor(per_community)
    out, x0 = [], ORIGIN[0]
    for t in range(townships):
        n = communities // townships + (1 if t < communities % townships else 0)
        if n > 999:
            raise SystemExit("more than 999 communities in one township: use more --townships")
        crows = max(1, math.ceil(math.sqrt(n * gc / gr)))  # keep the cell lattice roughly square
        ccols = math.ceil(n / crows)
        cols, rows = ccols * gc, crows * gr
        box = (x0, ORIGIN[1], x0 + cols * CELL_W, ORIGIN[1] + rows * CELL_H)
        code, name = TOWNSHIPS[t]
        out.append({"code": code, "name": name, "n": n, "ccols": ccols, "gc": gc, "gr": gr, "box": box})
        x0 = box[2] + TOWNSHIP_GAP
    return out


def build_regions(towns: list[dict], seed: int):
    """GeoJSON features, and communities as dicts with their grids' (code, shrunk polygon)."""
    from shapely.geometry import mapping
    from shapely.ops import unary_union

    from backend.demo.town import cells

    features, communities = [], []
    for t, town in enumerate(towns):
        gc, gr, ccols = town["gc"], town["gr"], town["ccols"]
        crows = math.ceil(town["n"] / ccols)
        lattice = cells(town["box"], ccols * gc, crows * gr, f"{seed}-{town['code']}")
        for s in range(town["n"]):
            ci, cj = s % ccols, s // ccols
            code = f"{town['code']}{s + 1:03d}"
            word = WORDS[(s + 7 * t) % len(WORDS)]
            name = f"{word}社区" if s < len(WORDS) else f"{word}{s // len(WORDS) + 1}社区"
            polys = [lattice[ci * gc + i, cj * gr + j] for j in range(gr) for i in range(gc)]
            shape = unary_union(polys)
            if shape.geom_type != "Polygon":
                raise SystemExit(f"community {code} is not one polygon")
            features.append(_feature(code, name, "community", town["code"], mapping(shape)))
            grids = []
            for k, poly in enumerate(polys, start=1):
                gcode = f"{code}{k:03d}"
                features.append(_feature(gcode, f"{name}第{k}网格", "grid", code, mapping(poly)))
                grids.append((gcode, poly.buffer(-0.00001)))  # ~1 m inside: a rounded point stays put
            communities.append({"code": code, "name": name, "town": t, "grids": grids})
    return features, communities


def _feature(code, name, level, parent, geometry):
    props = {"code": code, "name": name, "level": level, "parent_code": parent}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def township_roads(rng: random.Random) -> list[str]:
    names = [w + s for w in WORDS for s in ROAD_SUFFIXES]
    return rng.sample(names, ROADS_PER_TOWNSHIP)


def door_kind(rng: random.Random) -> tuple:
    """('plain',) | ('buildings', n) | ('compound', name-less dims): how many addresses one door holds."""
    x = rng.random()
    if x < 0.03:
        floors = rng.choice((4, 5, 6, 6, 7, 11, 18))
        return ("compound", rng.randint(2, 8), rng.randint(1, 3), floors)
    if x < 0.15:
        return ("buildings", rng.randint(2, 4))
    return ("plain",)


def door_addresses(kind: tuple, compound: str) -> list[tuple]:
    """(compound, building, unit, floor, room) for every address behind one door."""
    if kind[0] == "plain":
        return [("", "", "", "", "")]
    if kind[0] == "buildings":
        return [("", str(b), "", "", "") for b in range(1, kind[1] + 1)]
    _, buildings, units, floors = kind
    return [
        (compound, str(b), str(u), str(f), f"{f}{r:02d}")
        for b in range(1, buildings + 1)
        for u in range(1, units + 1)
        for f in range(1, floors + 1)
        for r in (1, 2)
    ]


def sample_points(poly, n: int, nrng) -> list[tuple[float, float]]:
    """n random points inside a polygon (vectorised rejection sampling)."""
    import shapely

    minx, miny, maxx, maxy = poly.bounds
    xs, ys = [], []
    while len(xs) < n:
        m = int((n - len(xs)) * 1.6) + 8
        cx, cy = nrng.uniform(minx, maxx, m), nrng.uniform(miny, maxy, m)
        keep = shapely.contains_xy(poly, cx, cy)
        xs += cx[keep].tolist()
        ys += cy[keep].tolist()
    return list(zip(xs[:n], ys[:n], strict=True))


def generate(n_addresses: int, n_grids: int, out: Path, townships=4, per_community=10, seed=2260) -> dict:
    import numpy as np

    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    towns = layout(n_grids, townships, per_community)
    features, communities = build_regions(towns, seed)
    roads = [township_roads(rng) for _ in towns]
    community_roads = [rng.sample(roads[c["town"]], ROADS_PER_COMMUNITY) for c in communities]
    next_number: dict[tuple[int, str], int] = {}

    # Doors until there are enough addresses: (community, grid or -1, road, number, kind, compound name).
    doors, total = [], 0
    while total < n_addresses:
        c = rng.randrange(len(communities))
        grid = -1 if rng.random() < OUTSIDE_SHARE else rng.randrange(per_community)
        road = rng.choice(community_roads[c])
        key = (communities[c]["town"], road)
        number = next_number.get(key, 0) + rng.choice((1, 1, 2))
        next_number[key] = number
        kind = door_kind(rng)
        compound = f"{rng.choice(WORDS)}{rng.choice(COMPOUND_KINDS)}" if kind[0] == "compound" else ""
        doors.append((c, grid, road, number, kind, compound))
        total += len(door_addresses(kind, compound))

    # One point per door: inside its grid, or in the strip east of its township box.
    points: list = [None] * len(doors)
    by_grid: dict[tuple[int, int], list[int]] = {}
    for i, (c, grid, *_) in enumerate(doors):
        by_grid.setdefault((c, grid), []).append(i)
    for (c, grid), idx in by_grid.items():
        if grid >= 0:
            pts = sample_points(communities[c]["grids"][grid][1], len(idx), nrng)
        else:
            _, miny, maxx, maxy = towns[communities[c]["town"]]["box"]
            xs, ys = nrng.uniform(maxx + 0.003, maxx + 0.015, len(idx)), nrng.uniform(miny, maxy, len(idx))
            pts = list(zip(xs.tolist(), ys.tolist(), strict=True))
        for i, p in zip(idx, pts, strict=True):
            points[i] = p

    from backend.addresses.importer import CSV_COLUMNS

    stem = f"addresses-{n_addresses}-g{n_grids}"
    out.mkdir(parents=True, exist_ok=True)
    geojson = out / f"boundaries-g{n_grids}.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    csv_path = out / f"{stem}.csv"
    seq = [0] * len(communities)
    reservoirs = {"plain": [], "buildings": [], "compound": []}
    seen = dict.fromkeys(reservoirs, 0)
    written = outside = 0
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for (c, grid, road, number, kind, compound), (lon, lat) in zip(doors, points, strict=True):
            comm = communities[c]
            for comp, building, unit, floor, room in door_addresses(kind, compound):
                if written == n_addresses:
                    break
                seq[c] += 1
                code = f"{comm['code']}{seq[c]:06d}"
                row = (code, comm["code"], road, str(number), comp, building, unit, floor, room)
                writer.writerow((*row, f"{lon:.7f}", f"{lat:.7f}"))
                written += 1
                outside += grid < 0
                # Reservoir sampling of search targets per kind of door.
                seen[kind[0]] += 1
                pool = reservoirs[kind[0]]
                entry = (row, towns[comm["town"]]["name"], comm["name"], grid >= 0)
                if len(pool) < 40:
                    pool.append(entry)
                elif (j := rng.randrange(seen[kind[0]])) < 40:
                    pool[j] = entry
    samples = queries(reservoirs, rng)
    samples_path = out / f"{stem}-samples.json"
    samples_path.write_text(json.dumps(samples, ensure_ascii=False, indent=1))
    return {
        "geojson": str(geojson),
        "csv": str(csv_path),
        "samples": str(samples_path),
        "addresses": written,
        "outside_addresses": outside,
        "doors": len(doors),
        "townships": [{k: t[k] for k in ("code", "name", "n", "box")} for t in towns],
        "communities": len(communities),
        "grids": sum(len(c["grids"]) for c in communities),
        "seed": seed,
    }


def queries(reservoirs: dict, rng: random.Random) -> list[dict]:
    """20 typed queries: 6 plain doors, 6 doors with buildings, 8 flats in compounds (three spellings)."""
    out = []
    for kind, count in (("plain", 6), ("buildings", 6), ("compound", 8)):
        for k, (row, town, community, _inside) in enumerate(rng.sample(reservoirs[kind], count)):
            code, _, road, door, compound, building, unit, _floor, room = row
            if kind == "plain":
                q = f"{town} {road} {door}号"
            elif kind == "buildings":
                q = f"{town} {road} {door}号 {building}幢"
            elif k % 3 == 0:
                q = f"{town} {road} {door}号 {building}幢 {unit}单元 {room}室"
            elif k % 3 == 1:
                q = f"{compound} {building}幢 {unit}单元 {room}室"
            else:
                q = f"{community}{road}{door}号{building}栋{room}房"  # typed as one word, synonyms
            out.append({"query": q, "code": code, "kind": kind})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--grids", type=int, default=400)
    parser.add_argument("--townships", type=int, default=4)
    parser.add_argument("--grids-per-community", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2260)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--manifest", type=Path, help="also write the summary JSON here")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    info = generate(args.addresses, args.grids, args.out, args.townships, args.grids_per_community, args.seed)
    info["seconds"] = round(time.perf_counter() - t0, 2)
    text = json.dumps(info, ensure_ascii=False, indent=1)
    if args.manifest:
        args.manifest.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
