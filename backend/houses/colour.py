"""The house colour, derived in one place from state (never stored by hand): one SQL expression.

Every reader uses it: the landing page (compiled into its one-statement query), cards, lists and their filters.
grey: not verified (or no longer let); red: shut, suspended, or a penalty decision open;
yellow: an open rectification order or overdue notice, an overdue obligation, or occupancy at the limit;
green: active with nothing open.
"""

from sqlalchemy import and_, case, exists, or_, select

from backend.fire.models import OPEN, FireNotice
from backend.houses.models import House
from backend.obligations.models import Obligation
from backend.overdue import TODAY, obligation_overdue

COLOURS = ("grey", "green", "yellow", "red")


def colour_expr(bulk: bool = False, today=TODAY):
    """CASE … END over the houses row in the query (join or select from House). An obligation past its due date
    is overdue from that moment (backend/overdue.py: `today` is a bind parameter), not from the next sweep.

    bulk=True: the same rule, with "has an open notice / an overdue obligation" as uncorrelated `houses.id IN
    (SELECT house_id …)` lists, which PostgreSQL builds once per query and probes as a hash (a hashed SubPlan)
    instead of three index probes per house: for GROUP BYs over a region's houses (the cockpit), not for one
    house or one page, where the correlated EXISTS below touch only the rows shown.
    """
    if bulk:
        open_notice = select(FireNotice.house_id).where(FireNotice.status.in_(OPEN))
        penalty = House.id.in_(open_notice.where(FireNotice.kind == "penalty"))
        rectifying = House.id.in_(
            open_notice.where(or_(FireNotice.kind == "rectification", FireNotice.status == "overdue"))
        )
        overdue = House.id.in_(select(Obligation.house_id).where(obligation_overdue(today)))
    else:
        # Correlated to the houses row of the enclosing query, also when compiled alone for the landing page's SQL.
        notice = (
            select(FireNotice.id).where(FireNotice.house_id == House.id, FireNotice.status.in_(OPEN)).correlate(House)
        )
        penalty = exists(notice.where(FireNotice.kind == "penalty"))
        rectifying = exists(notice.where(or_(FireNotice.kind == "rectification", FireNotice.status == "overdue")))
        overdue = exists(
            select(Obligation.id).where(Obligation.house_id == House.id, obligation_overdue(today)).correlate(House)
        )
    full = and_(House.max_occupants.is_not(None), House.occupants >= House.max_occupants)
    return case(
        (or_(House.status.in_(("closed", "suspended")), and_(House.status == "active", penalty)), "red"),
        (House.status != "active", "grey"),
        (or_(rectifying, overdue, full), "yellow"),
        else_="green",
    )
