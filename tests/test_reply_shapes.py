"""Answers the permission matrix does not reach match their Reply models exactly: a login's answer (the matrix's
logins are refused) and a region with its boundary (?geometry=1)."""

import jsonschema
import pytest

from backend.api.openapi import build_spec
from tests.conftest import PASSWORD


def _errors(app, name, body) -> list[str]:
    spec = build_spec(app)
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    validator = jsonschema.validators.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(body)]


@pytest.mark.parametrize("role", ["landlord", "grid_worker"])
def test_a_login_answers_the_user_and_the_csrf_token_as_documented(app, world, auth, make_user, role):
    resp = auth.login(make_user(role, None if role == "landlord" else "330326100001001"), PASSWORD)
    assert resp.status_code == 200
    assert _errors(app, "Me", resp.get_json()) == []
    assert (resp.get_json()["user"]["region"] is None) is (role == "landlord")
    sessions = auth.client.get("/api/v1/me/sessions").get_json()
    assert _errors(app, "SessionList", sessions) == []


def test_a_region_with_its_boundary_is_a_documented_multipolygon(app, world, login_as):
    supervisor = login_as("supervisor", "330326100")
    grid = supervisor.client.get("/api/v1/regions/330326100001001?geometry=1").get_json()
    assert grid["boundary"]["type"] == "MultiPolygon"
    assert _errors(app, "Region", grid) == []
    county = supervisor.client.get("/api/v1/regions/330326100?geometry=true").get_json()
    assert "boundary" in county and _errors(app, "Region", county) == []
    assert _errors(app, "Region", {**grid, "boundary": {"type": "Polygon", "coordinates": []}}) != []
