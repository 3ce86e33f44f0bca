"""The OpenAPI document says what the server does: optional fields are optional, exclusive ones exclusive, and an
answer carries no field its schema leaves out."""

from datetime import date, timedelta

import jsonschema
import pytest
from loop_helpers import person
from sqlalchemy import select

from backend.api.openapi import build_spec
from backend.extensions import db
from backend.obligations.models import Obligation
from backend.types import utcnow


def _validator(app, name):
    spec = build_spec(app)
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    schema = jsonschema.validators.Draft202012Validator(schema, format_checker=None)
    return schema


@pytest.mark.parametrize(
    ("name", "body", "valid"),
    [
        ("DoorplatePrint", {"region": "330326100"}, True),
        ("DoorplatePrint", {"houses": [1, 2], "size": 40}, True),
        ("DoorplatePrint", {"region": "330326100", "houses": [1]}, False),
        ("DoorplatePrint", {"size": 40}, False),
        ("DoorplatePrint", {"houses": [2**31]}, False),
        ("Refuse", {}, True),
        ("Escalate", {"house_action": "close"}, True),
        ("Escalate", {"penalty": {"title": "罚款"}}, True),
        ("HouseDeclare", {"address_code": "A1-1"}, False),
    ],
)
def test_request_schemas_mark_required_exactly_what_the_server_requires(app, name, body, valid):
    assert _validator(app, name).is_valid(body) is valid


def _undocumented(spec, schema, value, path="") -> list[str]:
    """Keys of value (recursively) that the schema's properties do not name."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    out = []
    if isinstance(value, dict) and "properties" in schema:
        for key, child in value.items():
            if key not in schema["properties"]:
                out.append(f"{path}.{key}")
            else:
                out += _undocumented(spec, schema["properties"][key], child, f"{path}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for child in value[:1]:
            out += _undocumented(spec, schema["items"], child, f"{path}[]")
    return out


def test_the_house_card_documents_every_field_it_returns(app, houses, login_as):
    landlord = login_as("landlord")
    house = houses.add("A1-1", landlord="landlord-all", notices=[("reminder", "灭火器", None, "issued")])
    card = landlord.client.get(f"/api/v1/houses/{house}")
    assert card.status_code == 200
    spec = build_spec(app)
    schema = spec["paths"]["/api/v1/houses/{house_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert _undocumented(spec, schema["schema"], card.get_json()) == []
    resolved = {**spec["components"]["schemas"]["HouseCard"], "components": spec["components"]}
    jsonschema.validate(card.get_json(), resolved)


def test_the_timeline_documents_every_kind_of_event_it_returns(app, houses, login_as):
    landlord = login_as("landlord")
    house = houses.add("A1-1", landlord="landlord-all")
    tenant = login_as("tenant")
    token = houses.plate(house)[0]
    tenancy = tenant.post(f"/api/v1/doorplates/{token}/check-in", json={**person(1), "move_in": str(date.today())})
    assert tenancy.status_code == 201, tenancy.get_json()
    assert landlord.post(f"/api/v1/tenancies/{tenancy.get_json()['id']}/confirm").status_code == 200
    assert tenant.post(f"/api/v1/tenancies/{tenancy.get_json()['id']}/check-out").status_code == 200
    assert landlord.client.get(f"/api/v1/doorplates/{token}").status_code == 200
    houses.revoke(house, "damaged")
    with app.app_context():
        first = db.session.scalars(
            select(Obligation).where(Obligation.house_id == house).order_by(Obligation.id)
        ).first()
        first.state, first.fulfilled_at, first.fulfilled_via = "fulfilled", utcnow(), "app"
        late = Obligation(house_id=house, kind="registration_renewal", due_date=date.today() - timedelta(days=3))
        late.overdue_at = utcnow()
        db.session.add(late)
        db.session.commit()

    resp = landlord.client.get(f"/api/v1/houses/{house}/timeline")
    assert resp.status_code == 200
    kinds = {e["kind"] for e in resp.get_json()["events"]}
    assert {"check_in", "confirmed", "check_out", "doorplate_revoked", "obligation_fulfilled"} <= kinds
    assert "obligation_overdue" in kinds and "scan" in kinds
    spec = build_spec(app)
    schema = spec["paths"]["/api/v1/houses/{house_id}/timeline"]["get"]["responses"]["200"]["content"]
    resolved = {**spec["components"]["schemas"]["HouseTimeline"], "components": spec["components"]}
    assert schema["application/json"]["schema"] == {"$ref": "#/components/schemas/HouseTimeline"}
    validator = jsonschema.validators.Draft202012Validator(resolved, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(resp.get_json())] == []
