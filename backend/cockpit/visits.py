"""The week's visit list (巡查清单) of one grid worker: houses due for patrol by Sunday, or with an alert, in the
order of a greedy nearest-neighbour walk from the worker's position (or the grid's centre).

Distances between the stops are measured in the database (one self-join of the candidates' address points, metres
on the ellipsoid on both backends), then walked here.
"""

from datetime import UTC, datetime, time, timedelta

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from backend.addresses.models import Address
from backend.cockpit import alerts
from backend.extensions import db
from backend.geo.sql import distance_m, point
from backend.houses.models import House
from backend.regions.models import Region

VISIT_KINDS = ("not_visited", "rectification_overdue", "unregistered_tenants", "revoked_scanned", "over_capacity")
MAX_STOPS = 200


def week_end(now: datetime) -> datetime:
    """Monday 00:00 UTC after `now`: the list covers what falls due before then."""
    monday = now.date() + timedelta(days=7 - now.weekday())
    return datetime.combine(monday, time(), UTC)


def candidates(prefix: str, rule: alerts.Rule) -> dict[int, dict]:
    """house id -> {house, reasons: [...]} for the grid; patrols due before the week ends count."""
    stops: dict[int, dict] = {}
    for kind in VISIT_KINDS:
        moment = week_end(rule.now) if kind == "not_visited" else None
        for a in alerts.rows(kind, rule, prefix, moment=moment):
            stop = stops.setdefault(a["house"]["id"], {"house": a["house"], "reasons": []})
            stop["reasons"].append({k: a[k] for k in ("kind", "reason", "text", "numbers")})
        if len(stops) >= MAX_STOPS:
            break
    return dict(list(stops.items())[:MAX_STOPS])


def _distances(house_ids: list[int], start: tuple[float, float]):
    """({(a, b): metres}, {house: metres from start}) measured in the database."""
    a, b = aliased(Address), aliased(Address)
    ha, hb = aliased(House), aliased(House)
    pairs = db.session.execute(
        select(ha.id, hb.id, distance_m(a.point, b.point))
        .join(a, ha.address_id == a.id)
        .join(hb, hb.id.in_(house_ids))
        .join(b, hb.address_id == b.id)
        .where(ha.id.in_(house_ids), ha.id < hb.id)
    ).all()
    between = {}
    for x, y, d in pairs:
        between[(x, y)] = between[(y, x)] = d
    first = dict(
        db.session.execute(
            select(House.id, distance_m(Address.point, point(*start)))
            .join(Address, House.address_id == Address.id)
            .where(House.id.in_(house_ids))
        ).all()
    )
    return between, first


def nearest_walk(house_ids: list[int], between: dict, first: dict) -> list[tuple[int, float]]:
    """Greedy nearest neighbour: [(house, metres from the previous stop)]; ties by house id."""
    left, order, here = set(house_ids), [], None
    while left:
        if here is None:
            nxt = min(left, key=lambda h: (first[h], h))
            step = first[nxt]
        else:
            nxt = min(left, key=lambda h: (between[(here, h)], h))
            step = between[(here, nxt)]
        order.append((nxt, step))
        left.discard(nxt)
        here = nxt
    return order


def _places(prefix: str, house_ids: list[int], now: datetime) -> dict[int, dict]:
    """house -> {lon, lat, last_visit, days_since_visit}: where each stop is and when it was last visited (as the
    patrol rule counts it: a house never visited counts from its verification)."""
    seen = alerts.last_visits(prefix)
    last = func.coalesce(seen.c.last_visit, House.verified_at, House.declared_at)
    rows = db.session.execute(
        select(House.id, func.ST_X(Address.point), func.ST_Y(Address.point), last)
        .join(Address, House.address_id == Address.id)
        .outerjoin(seen, seen.c.house_id == House.id)
        .where(House.id.in_(house_ids))
    )
    return {
        h: {
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "last_visit": at.isoformat() if at else None,
            "days_since_visit": (now - at).days if at else None,
        }
        for h, lon, lat, at in rows
    }


def grid_centre(region) -> tuple[float, float] | None:
    # Read by id: the region may be a signed-in user's, cached without its (deferred) boundary and detached.
    boundary = db.session.scalar(select(Region.boundary).where(Region.id == region.id)) if region else None
    if boundary is None:
        return None
    c = to_shape(boundary).centroid
    return round(c.x, 6), round(c.y, 6)


def visit_list(prefix: str, rule: alerts.Rule, start: tuple[float, float]) -> dict:
    stops = candidates(prefix, rule)
    between, first = _distances(list(stops), start) if stops else ({}, {})
    walk = nearest_walk(list(stops), between, first)
    places = _places(prefix, list(stops), rule.now) if stops else {}
    return {
        "start": {"lon": start[0], "lat": start[1]},
        "until": week_end(rule.now).isoformat(),
        "total_m": round(sum(d for _, d in walk), 1),
        "stops": [{"order": i + 1, "leg_m": round(d, 1), **stops[h], **places[h]} for i, (h, d) in enumerate(walk)],
    }
