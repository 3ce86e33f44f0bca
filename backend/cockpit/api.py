"""GET /api/v1/cockpit/summary: the cockpit's numbers for one region of my scope and one period."""

from sqlalchemy import select

from backend.api.routing import route
from backend.cockpit import contracts as c
from backend.cockpit.query import period_arg, region_arg
from backend.cockpit.summary import summarise
from backend.extensions import db
from backend.regions.models import Region

ROLES = ("supervisor", "police", "fire_officer", "grid_worker", "admin")


@route(
    "/cockpit/summary",
    summary="Cockpit summary of a region and period: houses by status and colour, tenants, verification, "
    "doorplates, notices, obligations, and the house counts of each direct child region",
    tag="cockpit",
    roles=ROLES,
    params=[
        ("region", "string", False, "a region code inside your scope; default: your scope's region"),
        ("from", "string", False, "YYYY-MM-DD, first day of the period (default: 29 days before `to`)"),
        ("to", "string", False, "YYYY-MM-DD, last day of the period, inclusive (default: today in COCKPIT_TIMEZONE)"),
    ],
    response=c.CockpitSummary,
    errors=(400, 404),
)
def cockpit_summary():
    period = period_arg()
    _, region = region_arg()
    if region is None:  # an admin without a region, asking for everything: the roots are the children
        children = list(db.session.scalars(select(Region).where(Region.parent_id.is_(None)).order_by(Region.code)))
    else:
        children = list(region.children)
    return summarise(region, children, period)
