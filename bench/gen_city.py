"""Generate a city (default 宁波市 3302: 1,000,000 rental houses) into PostgreSQL + PostGIS with COPY.

The schema is the app's own (`flask db upgrade` on a wiped database); the real Zhejiang divisions are imported
with the app's importer; communities (township + 3 digits) and grids (community + 3 digits) are generated as
rectangles that tile each township's rectangle, which tile the county's, which tile the city's. Then every table
is written with psycopg `COPY … FROM STDIN` (never ORM inserts), with the non-primary indexes and the foreign-key
and unique constraints dropped first and rebuilt (and validated) after, then VACUUM ANALYZE.

Invariants kept: houses.occupants = pending + active tenancies, never above max_occupants, at any time (each
place in a house is a timeline of tenancies that never overlap); scope codes = the grid code of the address;
one doorplate per house; one open verification task per declared house; one pending obligation per
(house, kind, tenancy); a person never occupies two houses at once. Personal data is sealed by the app's own
vault (backend.people.crypto, keys derived from the bench SECRET_KEY): every person row is really encrypted
and blind-indexed; names and phones come from a pool of POOL encrypted values reused across people (so a
phone index is shared by ~people/POOL people), the ID number of every person is unique.

    .venv/bin/python bench/gen_city.py --houses 10000          # quick run, ~20 s
    .venv/bin/python bench/gen_city.py                         # 1,000,000 houses (see docs/performance.md)

Progress on stderr; figures (seconds and rows/s per table, database size) to bench/out/city-<houses>.json.
The default database is menpai_bench_city (wiped: its name must contain "bench", or pass --yes-wipe).
"""

import argparse
import heapq
import json
import math
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.addresses_bench import default_url, wipe  # noqa: E402

OUT = ROOT / "bench" / "out"
BENCH_CONFIG = {
    "SECRET_KEY": "bench",
    # A fixed doorplate key, so the generator never writes instance/doorplate_keys.json.
    "DOORPLATE_KEYS": {"A": "5a" * 32},
    "DOORPLATE_KEY_ID": "A",
}
BENCH_PASSWORD = "menpai-bench"
CITY_BOX = (121.0, 29.3, 122.0, 30.1)  # lon/lat rectangle the counties tile, roughly 宁波
DAY = 86400
NULL = "\\N"  # COPY text format
POOL = 50_000  # encrypted names and phones reused across people
GRID_HOUSES = 120  # mean rental houses per grid
_WORDS = """
解放 人民 新华 中山 建设 胜利 文化 学府 江滨 镇中 兴宁 鼓楼 县前 南塘 城西 环城 东门 西门 南门 北门 白石 青龙
凤凰 金山 银湖 龙泉 云溪 朝阳 振兴 双桥 南湖 北港 东岳 西湾 月湖 松山 桂花 梅园 柳堤 荷塘 和平 团结 光明 幸福
新河 古城 通福 宝庆 万寿 天一
"""
WORDS = tuple(_WORDS.split())
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅飞鹏辉建国志文斌浩宇欣怡佳琪子涵思雨俊豪"
ID_AREAS = (
    "330203",
    "330205",
    "330226",
    "330281",
    "330282",
    "330302",
    "330327",
    "362330",
    "522101",
    "412724",
    "513030",
    "342401",
    "510722",
    "430524",
    "610323",
    "433123",
    "522422",
    "522728",
)
HOUSE_STATUS = (("active", 78), ("withdrawn", 9), ("declared", 6.5), ("rejected", 3), ("closed", 2), ("suspended", 1.5))
CHECKLIST = json.dumps({"address_matches": True, "rooms_match": True, "fire_self_check_confirmed": True})
SELF_CHECK = json.dumps(
    {
        "extinguisher": True,
        "smoke_alarm": True,
        "escape_route": True,
        "no_ebike_indoor_charging": True,
        "wiring": True,
        "gas_safety": True,
    }
)
RECT_ITEMS = ("楼道堆放杂物", "电动自行车室内充电", "未配置灭火器", "私拉乱接电线", "安全出口堵塞", "烟感报警器缺失")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ts(sec: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(sec))


def ds(sec: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(sec))


def rect_wkt(x0, y0, x1, y1) -> str:
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def factor(k: int) -> tuple[int, int]:
    """cols × rows == k, as square as possible."""
    rows = max(r for r in range(1, math.isqrt(k) + 1) if k % r == 0)
    return k // rows, rows


def split(lo: float, hi: float, weights: list[float]) -> list[tuple[float, float]]:
    """[lo, hi] cut into consecutive pieces proportional to weights."""
    total, out, at = sum(weights), [], lo
    for w in weights:
        nxt = at + (hi - lo) * w / total
        out.append((at, nxt))
        at = nxt
    return out


def lattice(box, k: int):
    """k equal rectangles tiling box."""
    x0, y0, x1, y1 = box
    cols, rows = factor(k)
    w, h = (x1 - x0) / cols, (y1 - y0) / rows
    return [(x0 + c * w, y0 + r * h, x0 + (c + 1) * w, y0 + (r + 1) * h) for r in range(rows) for c in range(cols)]


class Loader:
    """COPY text lines into a table on one psycopg connection; time and rows per table."""

    def __init__(self, conn):
        self.conn = conn
        self.tables: dict[str, dict] = {}

    def copy(self, table: str, columns: tuple, lines, total: int | None = None) -> int:
        t0, n, last, buf = time.perf_counter(), 0, time.perf_counter(), []
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for line in lines:
                buf.append(line)
                if len(buf) >= 20000:
                    cp.write("".join(buf))
                    n += len(buf)
                    buf.clear()
                    if time.perf_counter() - last > 10:
                        last = time.perf_counter()
                        log(f"  {table}: {n:,}" + (f" / ~{total:,}" if total else ""))
            if buf:
                cp.write("".join(buf))
                n += len(buf)
        self.conn.commit()
        s = time.perf_counter() - t0
        self.tables[table] = {"rows": n, "copy_s": round(s, 1), "rows_per_s": round(n / s) if s else None}
        log(f"  {table}: {n:,} rows in {s:.1f} s ({n / max(s, 1e-9):,.0f} rows/s)")
        return n


BIG_TABLES = (
    "users",
    "addresses",
    "houses",
    "doorplates",
    "doorplate_revocations",
    "verification_tasks",
    "verifications",
    "people",
    "tenancies",
    "residence_registrations",
    "obligations",
    "fire_notices",
    "notice_items",
    "scans",
)


def drop_indexes(conn) -> list[str]:
    """Drop FK/unique constraints and secondary indexes of the tables we fill; return the DDL to rebuild them."""
    tables = list(BIG_TABLES)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype IN ('f', 'u') AND (conrelid::regclass::text = ANY(%s) "
            "OR (contype = 'f' AND confrelid::regclass::text = ANY(%s) AND conrelid::regclass::text <> 'regions'))",
            (tables, tables),
        )
        constraints = cur.fetchall()
        cur.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = ANY(%s) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            (tables,),
        )
        indexes = cur.fetchall()
        for table, name, _, _ in sorted(constraints, key=lambda c: c[2] != "f"):  # foreign keys first
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, _, name in indexes:
            cur.execute(f"DROP INDEX {name}")
    conn.commit()
    rebuild = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints if k == "u"]
    rebuild += [ddl for _, ddl, _ in indexes]
    rebuild += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints if k == "f"]
    return rebuild


ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
BIRTH_FROM, BIRTH_DAYS = date(1975, 1, 1), 10957  # tenants born 1975–2004


def id_areas_by_year() -> dict[int, tuple[str, ...]]:
    """For each birth year, the ID_AREAS that python-stdnum (the app's validator) knows as existing then."""
    from stdnum.cn import ric

    out = {}
    for year in range(BIRTH_FROM.year, BIRTH_FROM.year + 31):
        out[year] = tuple(a for a in ID_AREAS if ric.is_valid(_with_check(f"{a}{year}0101001"))) or ("610323",)
    return out


def _with_check(body: str) -> str:
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def id_number(p: int, areas: dict[int, tuple[str, ...]]) -> str:
    """A valid, unique GB 11643 number for person p: p spells the birth date, then the area and sequence."""
    born = BIRTH_FROM + timedelta(days=p % BIRTH_DAYS)
    q = p // BIRTH_DAYS
    choice = areas[born.year]
    return _with_check(f"{choice[q % len(choice)]}{born:%Y%m%d}{1 + (q // len(choice)) % 999:03d}")


def haversine_m(lon1, lat1, lon2, lat2) -> float:
    r = math.pi / 180
    a = (
        math.sin((lat2 - lat1) * r / 2) ** 2
        + math.cos(lat1 * r) * math.cos(lat2 * r) * math.sin((lon2 - lon1) * r / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def month_end(sec: float) -> date:
    d = datetime.fromtimestamp(sec, UTC).date()
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def weighted(rng, table):
    x, acc = rng.random() * sum(w for _, w in table), 0
    for value, w in table:
        acc += w
        if x < acc:
            return value
    return table[-1][0]


class City:
    """The generated city, kept in memory as per-house lists (1M houses fit easily), written table by table."""

    def __init__(self, args, conn, vault, password_hash):
        self.args, self.conn, self.vault, self.password_hash = args, conn, vault, password_hash
        self.rng = random.Random(args.seed)
        self.now = time.time() // 60 * 60
        self.start = self.now - 730 * DAY
        self.load = Loader(conn)
        self.facts: dict = {}

    # --- regions ------------------------------------------------------------------------------------------

    def regions(self) -> None:
        """Boundaries for the real city, counties and townships; generated communities and grids."""
        rng, city = self.rng, self.args.city
        with self.conn.cursor() as cur:
            cur.execute("SELECT id, code, name, level, parent_id FROM regions WHERE code LIKE %s", (city + "%",))
            rows = cur.fetchall()
            cur.execute("SELECT name FROM regions WHERE code = %s", (city[:2],))
            province = cur.fetchone()[0]
            cur.execute("SELECT coalesce(max(id), 0) FROM regions")
            next_id = cur.fetchone()[0] + 1
        by_code = {r[1]: r for r in rows}
        counties = sorted((r for r in rows if r[3] == "county"), key=lambda r: r[1])
        townships = {c[1]: sorted((r for r in rows if r[4] == c[0]), key=lambda r: r[1]) for c in counties}
        t_weight = {t[1]: rng.lognormvariate(0, 0.5) for tws in townships.values() for t in tws}
        total_w = sum(t_weight.values())
        updates = [(rect_wkt(*CITY_BOX), by_code[city][0])]
        new_rows, self.grids = [], []
        x0, y0, x1, y1 = CITY_BOX
        c_weights = [sum(t_weight[t[1]] for t in townships[c[1]]) or 1 for c in counties]
        for county, (cx0, cx1) in zip(counties, split(x0, x1, c_weights), strict=True):
            updates.append((rect_wkt(cx0, y0, cx1, y1), county[0]))
            tws = townships[county[1]]
            for tw, (ty0, ty1) in zip(tws, split(y0, y1, [t_weight[t[1]] for t in tws]), strict=True):
                updates.append((rect_wkt(cx0, ty0, cx1, ty1), tw[0]))
                houses = self.args.houses * t_weight[tw[1]] / total_w
                per_comm = rng.randint(4, 8)
                n_comm = max(1, round(houses / GRID_HOUSES / per_comm))
                for ci, cbox in enumerate(lattice((cx0, ty0, cx1, ty1), n_comm), start=1):
                    ccode = f"{tw[1]}{ci:03d}"
                    cname = WORDS[(ci - 1) % len(WORDS)] + ("社区" if ci <= len(WORDS) else f"{ci}社区")
                    cid, next_id = next_id, next_id + 1
                    new_rows.append((cid, ccode, cname, "community", tw[0], rect_wkt(*cbox)))
                    names = [province, by_code[city][2], county[2], tw[2], cname]
                    for gi, gbox in enumerate(lattice(cbox, per_comm), start=1):
                        gid, next_id = next_id, next_id + 1
                        gcode = f"{ccode}{gi:03d}"
                        new_rows.append((gid, gcode, f"{cname}第{gi}网格", "grid", cid, rect_wkt(*gbox)))
                        self.grids.append(
                            {
                                "id": gid,
                                "code": gcode,
                                "box": gbox,
                                "community": cid,
                                "names": names,
                                "county": county[1],
                                "n": houses / (n_comm * per_comm) * rng.uniform(0.6, 1.4),
                            }
                        )
        # Scale so the grids add up to exactly --houses.
        wanted = sum(g["n"] for g in self.grids)
        for g in self.grids:
            g["n"] = int(g["n"] * self.args.houses / wanted)
        for i in range(self.args.houses - sum(g["n"] for g in self.grids)):
            self.grids[i % len(self.grids)]["n"] += 1
        now = ts(self.now)
        with self.conn.cursor() as cur:
            cur.executemany("UPDATE regions SET boundary = ST_GeomFromEWKT(%s) WHERE id = %s", updates)
        self.load.copy(
            "regions",
            ("id", "code", "name", "level", "parent_id", "boundary", "updated_at"),
            (f"{i}\t{c}\t{n}\t{lv}\t{p}\t{b}\t{now}\n" for i, c, n, lv, p, b in new_rows),
        )
        self.counties = [(c[0], c[1], c[2]) for c in counties]
        self.townships = [(t[0], t[1], t[2]) for tws in townships.values() for t in tws]
        self.facts["regions"] = {
            "counties": len(counties),
            "townships": len(self.townships),
            "communities": sum(r[3] == "community" for r in new_rows),
            "grids": len(self.grids),
        }
        log(f"regions: {self.facts['regions']}")

    # --- users ----------------------------------------------------------------------------------------------

    def users(self) -> None:
        """Staff (a supervisor per region level, police, fire officers per county, a worker per grid), landlords."""
        rows, created = [], ts(self.start)
        uid = 0

        def add(username, name, role, region_id):
            nonlocal uid
            uid += 1
            rows.append(f"{uid}\t{username}\t{name}\t{role}\t{region_id}\t{self.password_hash}\tt\t{created}\n")
            return uid

        with self.conn.cursor() as cur:
            cur.execute("SELECT id FROM regions WHERE code = %s", (self.args.city,))
            city_id = cur.fetchone()[0]
        add("bench_admin", "bench admin", "admin", "\\N")
        add(f"sup{self.args.city}", "市级监管", "supervisor", city_id)
        add(f"police{self.args.city}", "市公安", "police", city_id)
        self.fire_officer = {}
        for rid, code, name in self.counties:
            add(f"sup{code}", f"{name}监管", "supervisor", rid)
            self.fire_officer[code] = add(f"fire{code}", f"{name}消防", "fire_officer", rid)
        for rid, code, name in self.townships:
            add(f"sup{code}", f"{name}监管", "supervisor", rid)
        for g in self.grids:
            g["worker"] = add(f"gw{g['code']}", f"{g['code']}网格员", "grid_worker", g["id"])
        # Landlords: consecutive houses of a grid often share one (~1.6 houses each).
        self.landlord = []
        for g in self.grids:
            landlord = None
            for _ in range(g["n"]):
                if landlord is None or self.rng.random() < 0.62:
                    landlord = add(f"ll{uid + 1}", f"房东{uid + 1}", "landlord", "\\N")
                self.landlord.append(landlord)
        self.load.copy(
            "users",
            ("id", "username", "display_name", "role", "region_id", "password_hash", "active", "created_at"),
            rows,
        )
        self.facts["landlords"] = len(set(self.landlord))

    # --- addresses ------------------------------------------------------------------------------------------

    def addresses(self) -> None:
        """One standard address per house: doors on three roads per grid, 30 % of them buildings of flats."""
        from backend.addresses.text import texts

        rng, now = self.rng, ts(self.now)
        self.lon, self.lat, self.grid_of = [], [], []

        def lines():
            aid = 0
            for gi, g in enumerate(self.grids):
                x0, y0, x1, y1 = g["box"]
                roads = [WORDS[rng.randrange(len(WORDS))] + rng.choice("路街巷") for _ in range(3)]
                doors = dict.fromkeys(roads, 0)
                dx, dy = (x1 - x0) * 0.02, (y1 - y0) * 0.02
                compound = building = None
                last_road = roads[0]
                for k in range(g["n"]):
                    aid += 1
                    road = roads[k % 3]
                    lon, lat = round(rng.uniform(x0 + dx, x1 - dx), 6), round(rng.uniform(y0 + dy, y1 - dy), 6)
                    self.lon.append(lon)
                    self.lat.append(lat)
                    self.grid_of.append(gi)
                    fields = dict.fromkeys(("compound", "building", "unit", "floor", "room"))
                    if building is not None and rng.random() < 0.8:  # another flat in the same building
                        floor = rng.randint(1, 18)
                        fields.update(
                            compound=compound,
                            building=building,
                            unit=str(rng.randint(1, 3)),
                            floor=str(floor),
                            room=f"{floor}{rng.randint(1, 4):02d}",
                        )
                        road = last_road
                    else:
                        doors[road] += rng.randint(1, 4)
                        compound = building = None
                        if rng.random() < 0.3:
                            compound = WORDS[rng.randrange(len(WORDS))] + rng.choice(("花园", "小区", "新村", "公寓"))
                            building = str(rng.randint(1, 30))
                        last_road = road
                    fields["road"], fields["door_number"] = road, str(doors[road])
                    full, search = texts(g["names"], fields)
                    comp = "\t".join(fields[c] or "\\N" for c in ("compound", "building", "unit", "floor", "room"))
                    yield (
                        f"{aid}\t{g['code']}{k:05d}\t{g['community']}\t{g['id']}\t{g['code']}\t{road}\t"
                        f"{fields['door_number']}\t{comp}\t{full}\t{search}\tSRID=4326;POINT({lon} {lat})\t"
                        f"{now}\t{now}\n"
                    )

        self.load.copy(
            "addresses",
            (
                "id",
                "code",
                "region_id",
                "grid_id",
                "scope_code",
                "road",
                "door_number",
                "compound",
                "building",
                "unit",
                "floor",
                "room",
                "full_text",
                "search_text",
                "point",
                "created_at",
                "updated_at",
            ),
            lines(),
            self.args.houses,
        )

    # --- houses (in memory first: occupants come from the tenancies) ----------------------------------------

    def plan_houses(self) -> None:
        """Status, declaration, verification and end-of-letting times, capacity of every house."""
        rng, n, start, now = self.rng, self.args.houses, self.start, self.now
        self.status, self.declared, self.verified, self.ended = [], [], [], []  # ended: withdrawn/closed/rejected
        self.max_occ, self.places, self.rent = [], [], []
        for _ in range(n):
            status = weighted(rng, HOUSE_STATUS)
            if status == "declared":
                declared = now - min(rng.expovariate(1 / (10 * DAY)), 200 * DAY) - 3600
            elif rng.random() < 0.45:  # the launch campaign
                declared = start + rng.uniform(0, 120 * DAY)
            else:
                declared = start + rng.uniform(0, 700 * DAY)
            hours = rng.lognormvariate(math.log(40), 0.9) * 3600
            verified = ended = None
            if status in ("active", "suspended", "closed") or (status == "withdrawn" and rng.random() < 0.75):
                verified = min(declared + hours, now - 1800)
            if status == "rejected":
                ended = min(declared + hours, now - 1800)
            elif status == "withdrawn":
                base = verified + 30 * DAY if verified else declared + 3 * DAY
                ended = rng.uniform(min(base, now - DAY), now - 600)
            elif status == "closed":
                ended = rng.uniform(min(verified + 60 * DAY, now - 5 * DAY), now - 3600)
            kind = weighted(rng, (("whole", 70), ("shared", 20), ("rooms", 10)))
            rooms = (
                rng.randint(1, 4) if kind == "whole" else rng.randint(2, 5) if kind == "shared" else rng.randint(4, 12)
            )
            mx = min(8, rooms * 2) if kind == "whole" else rooms if kind == "shared" else rooms + rng.randint(0, 4)
            self.status.append(status)
            self.declared.append(declared)
            self.verified.append(verified)
            self.ended.append(ended)
            self.max_occ.append(mx)
            self.places.append(mx if rng.random() < 0.15 else rng.randint(1, (mx + 1) // 2))  # places the landlord lets
            self.rent.append((kind, rooms, round(rooms * rng.uniform(12, 30), 1)))
        # Houses get their ids in declaration order, as in the app (addresses come in registry order, by grid).
        self.by_id = sorted(range(n), key=self.declared.__getitem__)
        self.hid = [0] * n
        for rank, h in enumerate(self.by_id, start=1):
            self.hid[h] = rank

    # --- tenancies and people -------------------------------------------------------------------------------

    FIRST_DAYS, VACANCY_DAYS, SIGMA = 20, 30, 0.7  # first tenant after a verification, vacancy between two

    def _timelines(self, houses, mean_days: float, out: list | None) -> int:
        """Tenancies of the houses' places: a first tenant after ~FIRST_DAYS, then tenancies of mean_days
        (lognormal) with ~VACANCY_DAYS of vacancy between, the last one possibly still running; 4 % refused
        check-ins in between. Appends (house, start, end or None, status) to out; returns how many."""
        rng, now, n = self.rng, self.now, 0
        mu = math.log(mean_days) - self.SIGMA**2 / 2
        first_rate, gap = 1 / (self.FIRST_DAYS * DAY), 1 / (self.VACANCY_DAYS * DAY)
        for h in houses:
            v, e = self.verified[h], self.ended[h]
            if v is None:
                continue
            stop = e or now
            for _ in range(self.places[h]):
                t = v + rng.expovariate(first_rate)
                while t < stop - 3600:
                    n += 1
                    if rng.random() < 0.04:  # the landlord refused this check-in: it never held the place
                        out is not None and out.append((h, t, None, "refused"))
                        t += rng.uniform(0.1, 3) * DAY
                        continue
                    end = t + rng.lognormvariate(mu, self.SIGMA) * DAY
                    if end < stop:
                        out is not None and out.append((h, t, end, "ended"))
                    elif e is not None:  # withdrawn or closed: everybody left before
                        out is not None and out.append((h, t, rng.uniform(t, stop), "ended"))
                    else:
                        status = "pending" if t > now - 4 * DAY and rng.random() < 0.7 else "active"
                        out is not None and out.append((h, t, None, status))
                        break
                    t = end + rng.expovariate(gap)
        return n

    def plan_tenancies(self) -> None:
        """Each place of a house is a timeline of tenancies that never overlap: capacity holds at every instant.
        The mean tenancy length is calibrated on a 5 % sample of houses so that the city gets --tenancies."""
        target, sample = self.args.tenancies, range(0, self.args.houses, 20)
        scale = self.args.houses / len(sample)
        mean_days = 300.0
        for _ in range(6):
            got = self._timelines(sample, mean_days, None) * scale
            if abs(got - target) < 0.02 * target or mean_days > 5000:
                break
            # Past the first tenancy of every place, the count goes as 1 / (mean + vacancy).
            floor = self._timelines(sample, 1e6, None) * scale
            ratio = max(got - floor, 1) / max(target - floor, 0.05 * target)
            mean_days = max((mean_days + self.VACANCY_DAYS) * ratio - self.VACANCY_DAYS, 5)
        self.tenancies = []
        self._timelines(range(self.args.houses), mean_days, self.tenancies)
        self.tenancies.sort(key=lambda t: t[1])  # ids in check-in order, as the app writes them
        self.occupants = [0] * self.args.houses
        for h, _, _, status in self.tenancies:
            if status in ("pending", "active"):
                self.occupants[h] += 1
        self.facts["mean_tenancy_days"] = round(mean_days)
        log(f"tenancies planned: {len(self.tenancies):,} (mean tenancy {mean_days:.0f} days)")

    def people_and_tenancies(self) -> None:
        """People reused across tenancies that do not overlap; then the tenancies, registrations, renewals."""
        rng, v = self.rng, self.vault
        order = range(len(self.tenancies))  # already in check-in order
        person_of = [0] * len(self.tenancies)
        free, n_people, first_seen = [], 0, []
        for i in order:
            _, t, end, status = self.tenancies[i]
            if free and free[0][0] < t - 3 * DAY and rng.random() < 0.5:
                pid = heapq.heappop(free)[1]
            else:
                n_people += 1
                pid = n_people
                first_seen.append(t)
            person_of[i] = pid
            if status == "refused":
                heapq.heappush(free, (t + DAY, pid))
            elif end is not None:
                heapq.heappush(free, (end, pid))
        del free, order
        log(f"people: {n_people:,} for {len(self.tenancies):,} tenancies; sealing with the app's vault")
        pool = sealed_pool(v, rng, min(POOL, n_people))

        areas = id_areas_by_year()

        def people():
            for pid in range(1, n_people + 1):
                name, phone, phone_ix = pool[pid % len(pool)]
                idn = id_number(pid, areas)
                yield (
                    f"{pid}\t{name}\t{v.encrypt(idn, 'id_number')}\t{v.blind_index(idn, 'id_number')}\t{phone}\t"
                    f"{phone_ix}\t\\N\t{ts(first_seen[pid - 1])}\n"
                )

        cols = (
            "id",
            "name_enc",
            "id_number_enc",
            "id_number_index",
            "phone_enc",
            "phone_index",
            "user_id",
            "created_at",
        )
        self.load.copy("people", cols, people(), n_people)
        self.facts["people"] = n_people
        self.person_of = person_of

        def tenancies():
            for i, (h, t, end, status) in enumerate(self.tenancies, start=1):
                room = f"{rng.randint(1, self.rent[h][1])}号房" if self.rent[h][0] != "whole" else "\\N"
                out = ds(t + 180 * DAY) if rng.random() < 0.6 else "\\N"
                decided = ts(t + rng.uniform(0.05, 2) * DAY) if status != "pending" else "\\N"
                ended = ts(end) if status == "ended" else "\\N"
                by = self.landlord[h] if status == "ended" else "\\N"
                yield (
                    f"{i}\t{self.hid[h]}\t{person_of[i - 1]}\t\\N\t{room}\t{ds(t)}\t{out}\t{status}\t{ts(t)}\t"
                    f"{decided}\t"
                    f"{ended}\t{by}\t\\N\n"
                )

        cols = (
            "id",
            "house_id",
            "person_id",
            "tenant_user_id",
            "room",
            "move_in",
            "expected_move_out",
            "status",
            "created_at",
            "decided_at",
            "ended_at",
            "ended_by_id",
            "duplicate_of_id",
        )
        self.load.copy("tenancies", cols, tenancies(), len(self.tenancies))

        def registrations():
            rid = 0
            for i, (_, t, _, status) in enumerate(self.tenancies, start=1):
                if status in ("active", "ended"):
                    rid += 1
                    yield f"{rid}\t{i}\t{ts(t + DAY)}\t{ds(t + DAY + 182 * DAY)}\n"

        self.load.copy(
            "residence_registrations",
            ("id", "tenancy_id", "registered_at", "valid_until"),
            registrations(),
            len(self.tenancies),
        )

    # --- houses, doorplates, verification -------------------------------------------------------------------

    def houses(self) -> None:
        now = ts(self.now)

        def lines():
            for h in self.by_id:
                kind, rooms, area = self.rent[h]
                v = self.verified[h]
                yield (
                    f"{self.hid[h]}\t{h + 1}\t\t{self.landlord[h]}\t{self.grids[self.grid_of[h]]['code']}\t"
                    f"{self.status[h]}\t"
                    f"{kind}\t{rooms}\t{area}\t{self.max_occ[h]}\t{self.occupants[h]}\t{SELF_CHECK}\t"
                    f"{ts(self.declared[h])}\t{ts(v) if v else NULL}\t{ts(self.declared[h])}\t{now}\n"
                )

        cols = (
            "id",
            "address_id",
            "unit_label",
            "landlord_id",
            "scope_code",
            "status",
            "rent_type",
            "rooms",
            "floor_area",
            "max_occupants",
            "occupants",
            "fire_self_check",
            "declared_at",
            "verified_at",
            "created_at",
            "updated_at",
        )
        self.load.copy("houses", cols, lines(), self.args.houses)

    def doorplates(self) -> None:
        """One plate per house; revoked with the house (rejected, withdrawn); 4 % re-issued after a loss."""
        from backend.doorplates.token import MAX_PLATE_ID

        rng, n = self.rng, self.args.houses
        plate_ids = rng.sample(range(MAX_PLATE_ID), n)
        self.revoked_at, self.reissued_at = [None] * n, [None] * n
        revocations = []

        def lines():
            for h in self.by_id:
                status, v, e = self.status[h], self.verified[h], self.ended[h]
                version, state, printed, count = 1, "active", "\\N", 0
                if status == "declared":
                    state = "pending"
                elif status in ("rejected", "withdrawn"):
                    state = "revoked"
                    self.revoked_at[h] = e
                    by = self.grids[self.grid_of[h]]["worker"] if status == "rejected" else self.landlord[h]
                    revocations.append((self.hid[h], 1, "withdrawn", by, e))
                elif rng.random() < 0.04 and v < self.now - 20 * DAY:
                    r = rng.uniform(v + 10 * DAY, self.now - 2 * DAY)
                    self.reissued_at[h] = r
                    version = 2
                    revocations.append(
                        (self.hid[h], 1, rng.choice(("lost", "damaged")), self.grids[self.grid_of[h]]["worker"], r)
                    )
                    if rng.random() < 0.85:
                        printed, count = ts(min(r + rng.uniform(1, 8) * DAY, self.now - 60)), 1
                if v is not None and version == 1 and rng.random() < 0.95:
                    printed, count = ts(min(v + rng.uniform(1, 10) * DAY, self.now - 60)), 1
                yield (
                    f"{self.hid[h]}\t{self.hid[h]}\t{plate_ids[h]}\t{version}\tA\t{state}\t{ts(self.declared[h])}\t"
                    f"{ts(v) if v else NULL}\t{printed}\t{count}\n"
                )

        cols = (
            "id",
            "house_id",
            "plate_id",
            "version",
            "key_id",
            "state",
            "issued_at",
            "activated_at",
            "printed_at",
            "print_count",
        )
        self.load.copy("doorplates", cols, lines(), n)
        self.load.copy(
            "doorplate_revocations",
            ("id", "doorplate_id", "version", "reason", "revoked_by_id", "revoked_at"),
            (f"{i}\t{p}\t{ver}\t{why}\t{by}\t{ts(at)}\n" for i, (p, ver, why, by, at) in enumerate(revocations, 1)),
        )

    def verification(self) -> None:
        """A task per house (open while declared); the visits that closed it, 4 % after a needs-fix visit."""
        rng = self.rng
        visits = []

        def visit(h, at, outcome):
            far = rng.random() < 0.04
            spread = rng.uniform(150, 400) if far else abs(rng.gauss(0, 15))
            angle = rng.uniform(0, 2 * math.pi)
            lon = self.lon[h] + spread * math.cos(angle) / (111320 * math.cos(math.radians(self.lat[h])))
            lat = self.lat[h] + spread * math.sin(angle) / 110540
            accuracy = rng.uniform(120, 300) if rng.random() < 0.03 else rng.uniform(5, 35)
            distance = haversine_m(self.lon[h], self.lat[h], lon, lat)
            flags = [f for f, bad in (("far", distance > 100), ("imprecise", accuracy > 100)) if bad]
            reasons = (
                '["address_mismatch"]'
                if outcome == "rejected"
                else '["fire_safety"]'
                if outcome == "needs_fix"
                else "[]"
            )
            visits.append(
                f"{self.hid[h]}\t{self.hid[h]}\t{self.grids[self.grid_of[h]]['worker']}\t{ts(at)}\t"
                f"SRID=4326;POINT({lon:.7f} {lat:.7f})\t{accuracy:.1f}\t{distance:.1f}\t{'t' if flags else 'f'}\t"
                f"{json.dumps(flags)}\t{CHECKLIST}\t{outcome}\t{reasons}\n"
            )

        def tasks():
            for h in self.by_id:
                status, d, v, e = self.status[h], self.declared[h], self.verified[h], self.ended[h]
                closed = v or e
                state = "done"
                if status == "declared":
                    state, closed = "open", None
                elif status == "withdrawn" and v is None:
                    state = "cancelled"
                settled = v if v is not None else e if status == "rejected" else None
                if settled is not None and rng.random() < 0.04:
                    visit(h, d + (settled - d) / 2, "needs_fix")
                elif status == "declared" and rng.random() < 0.02:
                    visit(h, d + (self.now - d) / 2, "needs_fix")
                if settled is not None:
                    visit(h, settled, "approved" if v is not None else "rejected")
                yield (
                    f"{self.hid[h]}\t{self.hid[h]}\t{self.grids[self.grid_of[h]]['code']}\t{state}\t{ts(d)}\t"
                    f"{ts(closed) if closed else NULL}\n"
                )

        self.load.copy(
            "verification_tasks",
            ("id", "house_id", "scope_code", "state", "created_at", "closed_at"),
            tasks(),
            self.args.houses,
        )
        cols = (
            "task_id",
            "house_id",
            "worker_id",
            "at",
            "point",
            "accuracy_m",
            "distance_m",
            "flagged",
            "flags",
            "checklist",
            "outcome",
            "reasons",
        )
        self.load.copy("verifications", ("id", *cols), (f"{i}\t{line}" for i, line in enumerate(visits, 1)))

    # --- obligations ----------------------------------------------------------------------------------------

    def obligations(self) -> None:
        """Active houses: the monthly confirmation (two months fulfilled, the current one open, 6 % overdue);
        active tenancies: the registration renewal (4 % overdue)."""
        rng, now = self.rng, self.now
        this_month = month_end(now)
        last_month = this_month.replace(day=1) - timedelta(days=1)
        today = datetime.fromtimestamp(now, UTC).date()

        def lines():
            oid = 0
            for h in self.by_id:
                if self.status[h] != "active":
                    continue
                v = self.verified[h]
                overdue = rng.random() < 0.06 and v < now - 62 * DAY
                for back in (2, 1):
                    due = (
                        (this_month.replace(day=1) - timedelta(days=1))
                        if back == 1
                        else (last_month.replace(day=1) - timedelta(days=1))
                    )
                    created = datetime.combine(due, datetime.min.time(), UTC).timestamp() - 28 * DAY
                    if created < v or (back == 1 and overdue):
                        continue
                    oid += 1
                    done = created + rng.uniform(1, 27) * DAY
                    yield (
                        f"{oid}\t{self.hid[h]}\t\\N\t0\toccupant_confirmation\t{due}\tfulfilled\t{ts(created)}\t\\N\t"
                        f"{ts(done)}\t{self.landlord[h]}\t{rng.choice(('scan', 'app'))}\n"
                    )
                oid += 1
                if overdue:
                    at = ts(
                        datetime.combine(last_month + timedelta(days=1), datetime.min.time(), UTC).timestamp() + 600
                    )
                    yield (
                        f"{oid}\t{self.hid[h]}\t\\N\t0\toccupant_confirmation\t{last_month}\toverdue\t{ts(v)}\t{at}\t"
                        "\\N\t\\N\t\\N\n"
                    )
                else:
                    yield (
                        f"{oid}\t{self.hid[h]}\t\\N\t0\toccupant_confirmation\t{this_month}\topen\t"
                        f"{ts(max(v, now - 30 * DAY))}\t"
                        "\\N\t\\N\t\\N\t\\N\n"
                    )
            for i, (h, t, _, status) in enumerate(self.tenancies, start=1):
                if status != "active":
                    continue
                oid += 1
                periods = max(1, math.ceil((now - t - DAY) / (182 * DAY)))
                due = datetime.fromtimestamp(t + DAY + periods * 182 * DAY, UTC).date()
                if rng.random() < 0.04 and t < now - 200 * DAY:
                    due = today - timedelta(days=rng.randint(1, 40))
                    at = ts(datetime.combine(due + timedelta(days=1), datetime.min.time(), UTC).timestamp() + 600)
                    yield (
                        f"{oid}\t{self.hid[h]}\t{i}\t{i}\tregistration_renewal\t{due}\toverdue\t{ts(t + DAY)}\t{at}\t"
                        "\\N\t\\N\t\\N\n"
                    )
                else:
                    yield (
                        f"{oid}\t{self.hid[h]}\t{i}\t{i}\tregistration_renewal\t{due}\topen\t{ts(t + DAY)}\t"
                        "\\N\t\\N\t\\N\t\\N\n"
                    )

        cols = (
            "id",
            "house_id",
            "tenancy_id",
            "tenancy_key",
            "kind",
            "due_date",
            "state",
            "created_at",
            "overdue_at",
            "fulfilled_at",
            "fulfilled_by_id",
            "fulfilled_via",
        )
        self.load.copy("obligations", cols, lines())

    # --- fire notices ---------------------------------------------------------------------------------------

    NOTICE_STATUS: ClassVar[dict] = {
        "reminder": (("delivered", 20), ("read", 30), ("closed", 50)),
        "rectification": (
            ("issued", 8),
            ("delivered", 7),
            ("read", 10),
            ("submitted", 8),
            ("overdue", 10),
            ("escalated", 2),
            ("closed", 55),
        ),
        "penalty": (("issued", 30), ("closed", 70)),
    }
    TITLES: ClassVar[dict] = {
        "reminder": "消防安全温馨提示",
        "rectification": "消防安全隐患整改通知书",
        "penalty": "行政处罚决定书",
    }

    def notices(self) -> None:
        """3.5 % of registered houses: reminders, rectification orders (30 days, 1–3 items), a few penalties."""
        rng, now = self.rng, self.now
        items = []

        def lines():
            nid = 0
            for h in self.by_id:
                v = self.verified[h]
                if v is None or rng.random() >= 0.035 or v > now - 40 * DAY:
                    continue
                kind = weighted(rng, (("reminder", 45), ("rectification", 45), ("penalty", 10)))
                status = weighted(rng, self.NOTICE_STATUS[kind])
                if status in ("overdue", "escalated"):
                    issued = now - rng.uniform(31, 120) * DAY
                elif status == "closed":
                    issued = rng.uniform(v, now - 35 * DAY)
                else:
                    issued = now - rng.uniform(0.1, 28) * DAY
                issued = max(issued, v + 3600)
                deadline = ds(issued + 30 * DAY) if kind == "rectification" else "\\N"
                stamps = dict.fromkeys(("delivered", "read", "submitted", "overdue", "escalated", "closed"), "\\N")
                if status != "issued":
                    stamps["delivered"] = ts(issued + 600)
                if status in ("read", "submitted", "overdue", "escalated", "closed"):
                    stamps["read"] = ts(issued + rng.uniform(0.1, 3) * DAY)
                if status in ("submitted", "closed") and kind == "rectification":
                    stamps["submitted"] = ts(issued + rng.uniform(3, 25) * DAY)
                if status in ("overdue", "escalated"):
                    stamps["overdue"] = ts(issued + 31 * DAY)
                if status == "escalated":
                    stamps["escalated"] = ts(issued + rng.uniform(32, 40) * DAY)
                outcome = "\\N"
                if status == "closed":
                    stamps["closed"] = ts(issued + rng.uniform(26, 34) * DAY)
                    outcome = {"reminder": "acknowledged", "rectification": "accepted", "penalty": "resolved"}[kind]
                nid += 1
                officer = self.fire_officer[self.grids[self.grid_of[h]]["county"]]
                basis = "《中华人民共和国消防法》第十六条" if kind != "reminder" else "\\N"
                amount = f"{rng.randint(5, 50) * 100}.00" if kind == "penalty" else "\\N"
                number = f"甬消行罚决字〔{time.gmtime(issued).tm_year}〕{nid:05d}号" if kind == "penalty" else "\\N"
                if kind == "rectification":
                    state = {"closed": "passed", "submitted": "submitted"}.get(status, "open")
                    for pos, what in enumerate(rng.sample(RECT_ITEMS, rng.randint(1, 3)), start=1):
                        items.append(f"{nid}\t{pos}\t{what}\t{state}\n")
                yield (
                    f"{nid}\t{self.hid[h]}\t{kind}\t{status}\t{self.TITLES[kind]}\t{deadline}\t{officer}\t{ts(issued)}\t"
                    f"{basis}\t{amount}\t{number}\t{stamps['delivered']}\t{stamps['read']}\t{stamps['submitted']}\t"
                    f"{stamps['overdue']}\t{stamps['escalated']}\t{stamps['closed']}\t"
                    f"{officer if status == 'closed' else NULL}\t{outcome}\n"
                )

        cols = (
            "id",
            "house_id",
            "kind",
            "status",
            "title",
            "deadline",
            "issued_by_id",
            "issued_at",
            "legal_basis",
            "amount",
            "decision_number",
            "delivered_at",
            "read_at",
            "submitted_at",
            "overdue_at",
            "escalated_at",
            "closed_at",
            "closed_by_id",
            "outcome",
        )
        self.load.copy("fire_notices", cols, lines())
        self.load.copy(
            "notice_items",
            ("id", "notice_id", "position", "description", "status"),
            (f"{i}\t{line}" for i, line in enumerate(items, 1)),
        )

    # --- scans ----------------------------------------------------------------------------------------------

    def scans(self) -> None:
        """Day by day over two years, in time order (ids follow time): a random plate among those active that day.
        82 % anonymous page scans, 13 % staff scans with a position, 5 % typed short codes, 0.2 % bad tokens;
        3 % of withdrawn plates keep being scanned (result revoked), and re-issued plates' old version too."""
        from bisect import bisect_right

        rng, n = self.rng, self.args.houses
        order = sorted((v, h) for h, v in enumerate(self.verified) if v is not None)
        times = [v for v, _ in order]
        keeps = {h for h in range(n) if self.revoked_at[h] and self.verified[h] and rng.random() < 0.03}
        days = int((self.now - self.start) // DAY)
        weight = sum(bisect_right(times, self.start + (d + 1) * DAY) for d in range(days))
        rate = self.args.scans / max(weight, 1)

        def lines():
            sid = 0
            for d in range(days):
                day0 = self.start + d * DAY
                live = bisect_right(times, day0 + DAY)
                if not live:
                    continue
                want = int(live * rate) + (rng.random() < live * rate % 1)
                batch = []
                while len(batch) < want:
                    if rng.random() < 0.002:
                        batch.append(
                            (
                                day0 + rng.random() * DAY,
                                "\\N",
                                "\\N",
                                rng.choice(("tampered", "unknown")),
                                "page",
                                "\\N",
                                "\\N",
                                "\\N",
                            )
                        )
                        continue
                    h = order[rng.randrange(live)][1]
                    t = max(day0 + rng.random() * DAY, self.verified[h] + 60)
                    version, result = 1, "ok"
                    if self.revoked_at[h] and t > self.revoked_at[h]:
                        if h not in keeps:
                            continue
                        result = "revoked"
                    elif self.reissued_at[h] and t > self.reissued_at[h]:
                        version, result = (1, "revoked") if rng.random() < 0.05 else (2, "ok")
                    x = rng.random()
                    if x < 0.13:
                        g = self.grids[self.grid_of[h]]
                        lon, lat = self.lon[h] + rng.gauss(0, 0.0002), self.lat[h] + rng.gauss(0, 0.0002)
                        pt = f"SRID=4326;POINT({lon:.7f} {lat:.7f})"
                        batch.append((t, self.hid[h], version, result, "api", g["worker"], "grid_worker", pt))
                    else:
                        channel = "page" if x < 0.95 else "short_code"
                        batch.append((t, self.hid[h], version, result, channel, "\\N", "\\N", "\\N"))
                batch.sort()
                for t, plate, version, result, channel, user, role, pt in batch:
                    sid += 1
                    yield (
                        f"{sid}\t{ts(min(t, self.now - 1))}\t{plate}\t{version}\t{result}\t{channel}\t{user}\t"
                        f"{role}\t{pt}\n"
                    )

        cols = ("id", "at", "doorplate_id", "version", "result", "channel", "user_id", "role", "point")
        self.load.copy("scans", cols, lines(), self.args.scans)

    # --- after the load -------------------------------------------------------------------------------------

    def finish(self, rebuild: list[str]) -> None:
        """Rebuild (and validate) what was dropped, move the sequences on, VACUUM ANALYZE, check invariants."""
        timings = {}
        with self.conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for ddl in rebuild:
                t = time.perf_counter()
                cur.execute(ddl)
                self.conn.commit()
                timings[ddl] = round(time.perf_counter() - t, 2)
                log(f"  {timings[ddl]:6.1f} s  {ddl[:110]}")
            for table in (*BIG_TABLES, "regions"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) "
                    f"FROM {table}"
                )
        self.conn.commit()
        self.facts["rebuild_s"] = round(sum(timings.values()), 1)
        self.facts["rebuild_slowest"] = sorted(timings.items(), key=lambda kv: -kv[1])[:8]
        t = time.perf_counter()
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        self.conn.autocommit = False
        self.facts["vacuum_analyze_s"] = round(time.perf_counter() - t, 1)
        log(f"VACUUM ANALYZE: {self.facts['vacuum_analyze_s']} s")

    def check(self) -> dict:
        """The invariants the app relies on, counted over the loaded data (each must be 0)."""
        queries = {
            "occupants_differ": "SELECT count(*) FROM houses h LEFT JOIN (SELECT house_id, count(*) n FROM tenancies "
            "WHERE status IN ('pending', 'active') GROUP BY house_id) t ON t.house_id = h.id "
            "WHERE h.occupants <> coalesce(t.n, 0)",
            "scope_differs": "SELECT count(*) FROM houses h JOIN addresses a ON a.id = h.address_id "
            "WHERE h.scope_code <> a.scope_code",
            "address_outside_grid": "SELECT count(*) FROM (SELECT * FROM addresses TABLESAMPLE SYSTEM (1)) a "
            "JOIN regions g ON g.id = a.grid_id WHERE NOT ST_Contains(g.boundary, a.point)",
            "grid_outside_township": "SELECT count(*) FROM regions g JOIN regions c ON c.id = g.parent_id "
            "JOIN regions t ON t.id = c.parent_id WHERE g.level = 'grid' AND NOT ST_CoveredBy(g.boundary, t.boundary)",
            "person_in_two_houses": "SELECT count(*) FROM (SELECT person_id FROM tenancies WHERE status IN "
            "('pending', 'active') GROUP BY person_id HAVING count(*) > 1) x",
            "declared_without_open_task": "SELECT count(*) FROM houses h WHERE status = 'declared' AND NOT EXISTS "
            "(SELECT 1 FROM verification_tasks t WHERE t.house_id = h.id AND t.state = 'open')",
        }
        out = {}
        with self.conn.cursor() as cur:
            for name, sql in queries.items():
                cur.execute(sql)
                out[name] = cur.fetchone()[0]
        self.conn.commit()
        log(f"invariants (all 0 expected): {out}")
        return out

    def counts(self) -> dict:
        with self.conn.cursor() as cur:
            out = {}
            for table in (*BIG_TABLES, "regions"):
                cur.execute(f"SELECT count(*) FROM {table}")
                out[table] = cur.fetchone()[0]
            cur.execute("SELECT status, count(*) FROM houses GROUP BY 1 ORDER BY 2 DESC")
            out["houses_by_status"] = dict(cur.fetchall())
            cur.execute("SELECT status, count(*) FROM tenancies GROUP BY 1 ORDER BY 2 DESC")
            out["tenancies_by_status"] = dict(cur.fetchall())
            cur.execute("SELECT substr(scope_code, 1, 6), count(*) FROM houses GROUP BY 1 ORDER BY 2 DESC")
            out["houses_by_county"] = dict(cur.fetchall())
            cur.execute("SELECT pg_database_size(current_database())")
            out["database_bytes"] = cur.fetchone()[0]
            cur.execute(
                "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname = ANY(%s) ORDER BY 2 DESC",
                (list(BIG_TABLES),),
            )
            out["table_bytes"] = dict(cur.fetchall())
        self.conn.commit()
        return out


def sealed_pool(vault, rng, n: int) -> list[tuple[str, str, str]]:
    """n (name ciphertext, phone ciphertext, phone blind index) triples, sealed by the app's vault."""
    out = []
    for _ in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        out.append((vault.encrypt(name, "name"), vault.encrypt(phone, "phone"), vault.blind_index(phone, "phone")))
    return out


def run(args) -> dict:
    import flask_migrate
    import psycopg
    from werkzeug.security import generate_password_hash

    from backend import create_app
    from backend.extensions import db
    from backend.people.vault import vault
    from backend.regions.importer import import_csv

    url = args.database_url or default_url("menpai_bench_city")
    phases, t_all = {}, time.perf_counter()
    t = time.perf_counter()
    log(f"wiping and migrating {url}")
    wipe(url, args.yes_wipe)
    app = create_app({"DATABASE_URL": url, **BENCH_CONFIG})
    with app.app_context():
        flask_migrate.upgrade()
        import_csv(ROOT / "backend" / "data" / "divisions-zhejiang.csv")
        db.session.commit()
        sealer = vault()
        password_hash = generate_password_hash(BENCH_PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
        db.session.remove()
        db.engine.dispose()
    phases["migrate_and_divisions_s"] = round(time.perf_counter() - t, 1)

    conn = psycopg.connect(url)
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
    rebuild = drop_indexes(conn)
    city = City(args, conn, sealer, password_hash)
    steps = [
        ("regions", city.regions),
        ("users", city.users),
        ("addresses", city.addresses),
        ("plan_houses", city.plan_houses),
        ("plan_tenancies", city.plan_tenancies),
        ("houses", city.houses),
        ("doorplates", city.doorplates),
        ("verification", city.verification),
        ("people_tenancies", city.people_and_tenancies),
        ("obligations", city.obligations),
        ("notices", city.notices),
        ("scans", city.scans),
    ]
    for name, step in steps:
        t = time.perf_counter()
        log(f"{name} …")
        step()
        phases[f"{name}_s"] = round(time.perf_counter() - t, 1)
    phases["load_s"] = round(sum(v for k, v in phases.items() if k != "migrate_and_divisions_s"), 1)
    t = time.perf_counter()
    log(f"rebuilding {len(rebuild)} indexes and constraints")
    city.finish(rebuild)
    phases["indexes_and_analyze_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    log("flask cockpit refresh (the cockpit's materialised aggregates)")
    with app.app_context():
        from backend.cockpit.aggregates import refresh

        phases["cockpit_refresh_rows"] = refresh()
        db.session.commit()
        db.session.remove()
    phases["cockpit_refresh_s"] = round(time.perf_counter() - t, 1)
    phases["total_s"] = round(time.perf_counter() - t_all, 1)
    result = {
        "params": {k: v for k, v in vars(args).items() if k != "database_url"},
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "phases": phases,
        "tables": city.load.tables,
        "facts": city.facts,
        "counts": city.counts(),
        "invariants": city.check(),
        "database": url.rsplit("/", 1)[-1],
    }
    conn.close()
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--houses", type=int, default=1_000_000)
    p.add_argument("--tenancies", type=int, help="default: 3 per house")
    p.add_argument("--scans", type=int, help="default: 10 per house")
    p.add_argument("--city", default="3302", help="a prefecture code of backend/data/divisions-zhejiang.csv")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database-url", help="default: scripts/postgres.sh menpai_bench_city")
    p.add_argument("--yes-wipe", action="store_true", help="wipe a database whose name lacks 'bench'")
    p.add_argument("--output", help="default: bench/out/city-<houses>.json")
    args = p.parse_args(argv)
    args.tenancies = args.tenancies or 3 * args.houses
    args.scans = args.scans or 10 * args.houses
    result = run(args)
    OUT.mkdir(parents=True, exist_ok=True)
    out = Path(args.output or OUT / f"city-{args.houses}.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log(f"total {result['phases']['total_s']} s; {out}")


if __name__ == "__main__":
    main()
