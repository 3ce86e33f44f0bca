"""Search standard addresses and read one."""

from flask import request
from flask_login import current_user
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from backend.addresses import cli
from backend.addresses import contracts as c
from backend.addresses.models import COMPONENTS, Address
from backend.addresses.search import search
from backend.api.routing import int_arg, route
from backend.auth.scope import require_in_scope
from backend.errors import NotFound
from backend.extensions import db
from backend.regions.serialise import region_ref


def _lonlat(address: Address) -> dict:
    p = to_shape(address.point)
    return {"lon": p.x, "lat": p.y}


def address_json(address: Address) -> dict:
    return {
        "code": address.code,
        "full_text": address.full_text,
        **{c: getattr(address, c) for c in COMPONENTS},
        **_lonlat(address),
        "region": region_ref(address.region),
        "grid": region_ref(address.grid),
    }


@route(
    "/addresses",
    summary="Ranked fuzzy search of standard addresses (staff: inside their scope)",
    tag="addresses",
    params=[
        ("q", "string", True, "What the user typed, e.g. 昆阳镇 解放街 12号 3幢"),
        ("limit", "integer", False, "1–50, default 20"),
    ],
    response=c.AddressSearch,
    errors=(400,),
)
def address_search():
    query = request.args.get("q", "")
    hits = search(query, user=current_user, limit=int_arg("limit", 20, 1, 50))
    return {
        "query": query,
        "results": [
            {"code": a.code, "full_text": a.full_text, "score": int(score), **_lonlat(a), "grid": region_ref(a.grid)}
            for a, score in hits
        ],
    }


@route("/addresses/<code>", summary="One standard address", tag="addresses", response=c.Address, errors=(404,))
def address_detail(code):
    address = db.session.scalar(select(Address).where(Address.code == code))
    if address is None:
        raise NotFound()
    if current_user.is_staff:
        require_in_scope(current_user, address.scope_code)
    return address_json(address)


def init_app(app):
    """标准地址: standard addresses, search and import."""
    cli.init_app(app)
