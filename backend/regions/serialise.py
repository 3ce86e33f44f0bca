"""A region as the API shows it inside other answers (a user's scope, an address's grid)."""

from backend.regions.models import Region


def region_ref(region: Region | None) -> dict | None:
    return None if region is None else {"code": region.code, "name": region.name, "level": region.level}
