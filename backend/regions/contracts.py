"""What the region routes answer (backend/api/contract.py); RegionRef is the region inside other answers."""

from typing import Annotated, Literal

from pydantic import Field

from backend.api.contract import Reply
from backend.regions.models import LEVELS

Level = Literal[LEVELS]
Ring = list[Annotated[list[float], Field(min_length=2, max_length=2)]]


class RegionRef(Reply):
    code: str
    name: str
    level: Level


class MultiPolygon(Reply):
    """GeoJSON, WGS84."""

    type: Literal["MultiPolygon"]
    coordinates: list[list[Ring]]


class Region(Reply):
    code: str
    name: str
    level: Level
    parent: RegionRef | None
    ancestors: list[RegionRef]
    children: list[RegionRef]
    has_boundary: bool
    boundary: Annotated[MultiPolygon | None, Field(description="GeoJSON MultiPolygon with ?geometry=1")] = None


class RegionList(Reply):
    regions: list[RegionRef]


class GridAt(Reply):
    grid: RegionRef | None
    ancestors: list[RegionRef]
