"""Every free text a client sends has a documented maximum, and one character more is a 400 that writes nothing."""

from datetime import date

import pytest
from loop_helpers import answers, declaration, person
from sqlalchemy import func, select

from backend.api.openapi import build_spec
from backend.audit import AuditEvent
from backend.extensions import db

A = "330326100"


def _resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _texts(spec, schema, path=""):
    """(path, schema) of every string a request body may carry, nested objects and arrays included."""
    schema = _resolve(spec, schema)
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "string" in types:
        yield path, schema
    for name, prop in schema.get("properties", {}).items():
        yield from _texts(spec, prop, f"{path}.{name}" if path else name)
    if "items" in schema:
        yield from _texts(spec, schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _texts(spec, schema["additionalProperties"], f"{path}{{}}")


def test_every_text_in_a_request_body_has_a_documented_maximum(app):
    spec = build_spec(app)
    unbounded = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            for field, schema in _texts(spec, body["schema"]) if body else ():
                if "maxLength" not in schema and "enum" not in schema and "format" not in schema:
                    unbounded.append(f"{method.upper()} {path}: {field}")
    assert unbounded == []


def _max(app, schema_name, field) -> int:
    schema = build_spec(app)["components"]["schemas"][schema_name]
    return schema["properties"][field]["maxLength"]


def _audit_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def town(houses, login_as):
    """An active house with a pending tenancy, a declared house with its verification task, and the callers."""
    landlord = login_as("landlord")
    active = houses.add("A1-1", landlord="landlord-all")
    houses.add("A1-2", status="declared", landlord="landlord-all")
    token = houses.plate(active)[0]
    tenant = login_as("tenant")
    resp = tenant.post(f"/api/v1/doorplates/{token}/check-in", json={**person(0), "move_in": date.today().isoformat()})
    assert resp.status_code == 201, resp.get_json()
    worker = login_as("grid_worker", "330326100001001")
    (task,) = worker.client.get("/api/v1/tasks").get_json()["tasks"]
    return {
        "house": active,
        "token": token,
        "tenancy": resp.get_json()["id"],
        "task": task["id"],
        "landlord": landlord,
        "tenant": tenant,
        "worker": worker,
        "officer": login_as("fire_officer", A),
        "police": login_as("police", A),
        "supervisor": login_as("supervisor", A),
    }


VERIFY = {"lat": 27.611, "lon": 120.505, "accuracy": 10, "outcome": "approved", "checklist": answers("verification")}
NOTICE = {"kind": "penalty", "title": "罚款", "legal_basis": "消防法", "amount": 500, "decision_number": "2026-1"}
# (schema, field, caller, url, body without the field): the field is then set one character past its maximum.
CASES = [
    ("Login", "username", None, "/api/v1/auth/login", {"password": "x"}),
    ("Login", "password", None, "/api/v1/auth/login", {"username": "landlord-all"}),
    ("HouseDeclare", "unit_label", "landlord", "/api/v1/houses", declaration("A1-4")),
    ("HouseDeclare", "address_code", "landlord", "/api/v1/houses", declaration()),
    ("CheckIn", "room", "tenant", "/api/v1/doorplates/{token}/check-in", {**person(1), "move_in": str(date.today())}),
    ("Refuse", "reason", "landlord", "/api/v1/tenancies/{tenancy}/refuse", {}),
    ("Verify", "note", "worker", "/api/v1/tasks/{task}/verify", VERIFY),
    ("DoorplateRevoke", "note", "supervisor", "/api/v1/doorplates/{token}/revoke", {"reason": "lost"}),
    ("HouseStatus", "reason", "officer", "/api/v1/houses/{house}/status", {"status": "suspended"}),
    ("NoticeIssue", "title", "officer", "/api/v1/houses/{house}/notices", NOTICE),
    ("NoticeIssue", "body", "officer", "/api/v1/houses/{house}/notices", NOTICE),
    ("NoticeIssue", "legal_basis", "officer", "/api/v1/houses/{house}/notices", NOTICE),
    ("NoticeIssue", "decision_number", "officer", "/api/v1/houses/{house}/notices", NOTICE),
    ("CampaignRun", "title", "officer", "/api/v1/campaigns", {"region": A, "kind": "reminder"}),
    ("CampaignRun", "body", "officer", "/api/v1/campaigns", {"region": A, "kind": "reminder", "title": "电动车"}),
    ("PushUnsubscribe", "endpoint", "landlord", "/api/v1/push/subscriptions/delete", {}),
]


@pytest.mark.parametrize(("schema", "field", "caller", "url", "body"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_one_character_past_the_documented_maximum_is_a_400_that_writes_nothing(
    app, town, schema, field, caller, url, body
):
    most = _max(app, schema, field)
    before = _audit_count(app)
    data = {**body, field: "长" * (most + 1)}
    url = url.format(**town)
    resp = town[caller].post(url, json=data) if caller else app.test_client().post(url, json=data)
    assert resp.status_code == 400, resp.get_json()
    assert field in resp.get_json()["error"]["fields"]
    assert _audit_count(app) == before


def test_a_reveal_reason_past_its_maximum_is_a_400_in_the_query_too(app, town):
    most = build_spec(app)["paths"]["/api/v1/cockpit/tenants"]["get"]["parameters"]
    (reason,) = [p for p in most if p["name"] == "reason"]
    too_long = "长" * (reason["schema"]["maxLength"] + 1)
    resp = town["police"].client.get(f"/api/v1/cockpit/tenants?region={A}&reveal=1&reason={too_long}")
    assert resp.status_code == 400 and "reason" in resp.get_json()["error"]["fields"]
