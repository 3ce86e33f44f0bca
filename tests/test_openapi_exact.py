"""The OpenAPI document says what the server does: optional fields are optional, exclusive ones exclusive, and an
answer carries no field its schema leaves out."""

import jsonschema
import pytest

from backend.api.openapi import build_spec


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
