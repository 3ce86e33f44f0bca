"""What the address routes answer (backend/api/contract.py)."""

from backend.api.contract import Reply
from backend.regions.contracts import RegionRef


class Address(Reply):
    code: str
    full_text: str
    road: str
    door_number: str
    compound: str | None
    building: str | None
    unit: str | None
    floor: str | None
    room: str | None
    lon: float
    lat: float
    region: RegionRef
    grid: RegionRef | None


class AddressHit(Reply):
    code: str
    full_text: str
    score: int
    lon: float
    lat: float
    grid: RegionRef | None


class AddressSearch(Reply):
    query: str
    results: list[AddressHit]
