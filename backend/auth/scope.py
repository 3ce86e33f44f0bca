"""The one region-scope rule: a staff user sees their region and everything below it, nothing beside."""

from sqlalchemy import false, true

from backend.errors import NotFound


def scope_code(user) -> str | None:
    """The code prefix the user may see; '' for everything, None for nothing."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    if user.region is None:
        return "" if user.role == "admin" else None
    return user.region.code


def scope_filter(user, code_column):
    """SQL condition on a region-code column: rows inside the user's scope."""
    prefix = scope_code(user)
    if prefix is None:
        return false()
    if prefix == "":
        return true()
    # Codes are digits only (checked on import), so the prefix needs no LIKE escaping.
    return code_column.like(prefix + "%")


def in_scope(user, code: str) -> bool:
    prefix = scope_code(user)
    return prefix is not None and code.startswith(prefix)


def require_in_scope(user, code: str) -> None:
    """404 for anything outside the scope: its existence is not ours to confirm."""
    if not in_scope(user, code):
        raise NotFound()
