"""The one region-scope rule: a staff user sees their region and everything below it, nothing beside. And the one
house rule built on it: a house is seen by its landlord and by staff with the house in scope (`may_see_house` for
one house, `visible_houses` for a query), by nobody else."""

from sqlalchemy import false, true

from backend.auth.capacity import acts_as
from backend.errors import NotFound
from backend.houses.models import House


def scope_code(user) -> str | None:
    """The code prefix the user may see; '' for everything, None for nothing."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    if user.region is None:
        return "" if user.role == "admin" else None
    return user.region.code


def within(code_column, prefix: str):
    """SQL condition on a region-code column: rows in the region of code prefix and below it ('' for everything).
    The caller checks the prefix is in scope (require_in_scope)."""
    # Codes are digits only (checked on import), so the prefix needs no LIKE escaping.
    return code_column.like(prefix + "%") if prefix else true()


def scope_filter(user, code_column):
    """SQL condition on a region-code column: rows inside the user's scope."""
    prefix = scope_code(user)
    return false() if prefix is None else within(code_column, prefix)


def in_scope(user, code: str) -> bool:
    prefix = scope_code(user)
    return prefix is not None and code.startswith(prefix)


def require_in_scope(user, code: str) -> None:
    """404 for anything outside the scope: its existence is not ours to confirm."""
    if not in_scope(user, code):
        raise NotFound()


def may_see_house(user, house) -> bool:
    """Whether user may see house: its landlord, or staff with it in scope. house: anything with scope_code and
    landlord_id (a House, a doorplate's view of its house)."""
    if user is None or not user.is_authenticated:
        return False
    if acts_as(user, "landlord"):
        return house.landlord_id == user.id
    return user.is_staff and in_scope(user, house.scope_code)


def visible_houses(user):
    """SQL condition on House: the rows may_see_house lets user see."""
    if user is not None and user.is_authenticated and acts_as(user, "landlord"):
        return House.landlord_id == user.id
    return scope_filter(user, House.scope_code)
