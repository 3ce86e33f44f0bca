"""What the cockpit's JSON routes answer (backend/api/contract.py). They take no body: every route is a GET whose
query string is read in backend/cockpit/query.py and the views.

Every nested object is a model of its own, named after its route (Cockpit…, AuditLog…), so that no schema name can
meet another feature's."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from backend.api.contract import Reply
from backend.cockpit.alerts import KINDS
from backend.cockpit.maps import GRID_MEASURES, HEAT_MEASURES
from backend.cockpit.trends import BUCKETS, MEASURES
from backend.houses.colour import COLOURS
from backend.houses.models import STATUSES
from backend.regions.models import LEVELS

Colour = Literal[*COLOURS]
AlertKind = Literal[*KINDS]
# The figures behind an alert: counts, days, areas, ISO dates and instants (backend/cockpit/alerts.py _json).
Numbers = Annotated[dict[str, str | int | float | None], Field(description="the figures behind the alert")]


class CockpitRegion(Reply):
    code: str
    name: str
    level: Literal[*LEVELS]


class CockpitPeriod(Reply):
    from_: Annotated[date, Field(alias="from", description="first local day")]
    to: Annotated[date, Field(description="last local day, inclusive")]


# ---- GET /cockpit/summary ---------------------------------------------------------------------------------------


class HouseCounts(Reply):
    total: int
    by_status: dict[Literal[*STATUSES], int]
    by_colour: dict[Colour, int]


class CockpitChildTenants(Reply):
    active: int


class CockpitChild(Reply):
    code: str
    name: str
    level: Literal[*LEVELS]
    houses: HouseCounts
    tenants: CockpitChildTenants


class CockpitTenantCounts(Reply):
    active: int
    check_ins: int
    check_outs: int


class CockpitHours(Reply):
    median: float | None
    p90: float | None


class CockpitVerification(Reply):
    backlog: int
    verified: int
    hours_to_verify: CockpitHours


class CockpitPlates(Reply):
    pending: int
    active: int
    revoked: int
    printed: int
    revocations: int


class CockpitNotices(Reply):
    open: int
    overdue: int
    closed: int


class CockpitObligations(Reply):
    overdue: int


class CockpitSummary(Reply):
    region: CockpitRegion | None
    period: CockpitPeriod
    as_of: Annotated[datetime | None, Field(description="the last aggregate refresh (null before the first)")]
    houses: HouseCounts
    tenants: CockpitTenantCounts
    verification: CockpitVerification
    doorplates: CockpitPlates
    notices: CockpitNotices
    obligations: CockpitObligations
    children: list[CockpitChild]


# ---- GET /cockpit/trends ----------------------------------------------------------------------------------------


class CockpitBucket(Reply):
    start: date
    end: date


class CockpitTrends(Reply):
    region: CockpitRegion | None
    period: CockpitPeriod
    bucket: Literal[*BUCKETS]
    buckets: list[CockpitBucket]
    series: Annotated[
        dict[Literal[*MEASURES], list[int]],
        Field(
            description="measure -> one value per bucket (flows: events in the bucket; active_tenants, "
            "registered_houses: the level at the bucket's end)"
        ),
    ]


# ---- GET /cockpit/heatmap, /cockpit/grids -----------------------------------------------------------------------


class CockpitSuppressed(Reply):
    cells: int
    count: int


class CockpitHeatmap(Reply):
    region: CockpitRegion | None
    measure: Literal[*HEAT_MEASURES]
    cell: Annotated[float, Field(description="cell side, degrees")]
    cells: Annotated[
        list[Annotated[list[float], Field(min_length=3, max_length=3)]],
        Field(description="[lon, lat, count]: the cell's centre (WGS84) and its count"),
    ]
    total: int
    suppressed: CockpitSuppressed
    min_count: int


class CockpitGridProperties(Reply):
    code: str
    name: str
    value: int


class CockpitGridFeature(Reply):
    type: Literal["Feature"]
    properties: CockpitGridProperties
    geometry: Annotated[dict[str, Any], Field(description="GeoJSON (Multi)Polygon, simplified")]


class CockpitGrids(Reply):
    type: Literal["FeatureCollection"]
    measure: Literal[*GRID_MEASURES]
    features: list[CockpitGridFeature]


# ---- GET /cockpit/alerts ----------------------------------------------------------------------------------------


class CockpitAlertHouse(Reply):
    id: int
    address: str
    unit_label: str
    scope_code: str
    colour: Colour


class CockpitAlert(Reply):
    kind: AlertKind
    reason: Annotated[str, Field(description="machine reason code")]
    text: Annotated[str, Field(description="the reason in the request's language")]
    house: CockpitAlertHouse
    numbers: Numbers


class CockpitAlerts(Reply):
    counts: dict[AlertKind, int]
    alerts: list[CockpitAlert]
    as_of: Annotated[
        datetime | None,
        Field(description="a township and above read the alerts of the last refresh: its instant; null when live"),
    ]


# ---- GET /cockpit/visits, /cockpit/visits/workers ---------------------------------------------------------------


class CockpitVisitWorker(Reply):
    id: int
    display_name: str
    grid: Annotated[str, Field(description="the worker's grid code")]


class CockpitPoint(Reply):
    lon: float
    lat: float


class CockpitVisitReason(Reply):
    kind: AlertKind
    reason: str
    text: str
    numbers: Numbers


class CockpitStop(Reply):
    order: int
    leg_m: Annotated[float, Field(description="metres from the previous stop (the first: from the start)")]
    house: CockpitAlertHouse
    reasons: list[CockpitVisitReason]
    lon: float
    lat: float
    last_visit: datetime | None
    days_since_visit: int | None


class CockpitVisits(Reply):
    worker: CockpitVisitWorker
    start: CockpitPoint
    until: Annotated[datetime, Field(description="the list covers what falls due before this instant")]
    total_m: float
    stops: list[CockpitStop]


class CockpitWorkerGrid(Reply):
    code: str
    name: str


class CockpitWorker(Reply):
    id: int
    display_name: str
    grid: CockpitWorkerGrid


class CockpitVisitWorkers(Reply):
    workers: list[CockpitWorker]


# ---- GET /cockpit/tenants ---------------------------------------------------------------------------------------


class CockpitTenant(Reply):
    tenancy_id: int
    house_id: int
    address: str
    unit_label: str
    room: str | None
    move_in: date
    name: str
    id_number: str
    phone: str


class CockpitTenants(Reply):
    masked: bool
    tenants: list[CockpitTenant]


# ---- GET /audit -------------------------------------------------------------------------------------------------


class AuditLogActor(Reply):
    id: int
    name: Annotated[str | None, Field(description="a resident's username (a phone) masked")]
    role: str | None


class AuditLogTarget(Reply):
    type: str | None
    id: str | None


class AuditLogEvent(Reply):
    id: int
    at: datetime
    actor: AuditLogActor | None
    action: str
    target: AuditLogTarget
    person_id: int | None
    house_id: int | None
    region_code: str | None
    reason: Annotated[str | None, Field(description="a police reveal's reason")]
    ip: Annotated[str | None, Field(description="masked")]
    details: dict[str, Any]


class AuditLog(Reply):
    kind: Literal["reveal", "all"]
    next: Annotated[int | None, Field(description="the `before` of the next page; null on the last")]
    events: list[AuditLogEvent]
