"""The house colour, derived in one place from state (never stored by hand)."""

COLOURS = ("grey", "green", "yellow", "red")


def colour(house_status: str, notices=(), plate_state: str | None = None) -> str:
    """grey: not verified; red: shut, suspended, penalty open or plate revoked; yellow: something open; else green.

    The rental loop adds overdue obligations and occupancy at the limit (yellow) here.
    """
    if house_status in ("closed", "suspended") or plate_state == "revoked":
        return "red"
    if house_status != "active":
        return "grey"
    open_kinds = {n.kind for n in notices if n.is_open}
    if "penalty" in open_kinds:
        return "red"
    if "rectification" in open_kinds or any(n.status == "overdue" for n in notices):
        return "yellow"
    return "green"
