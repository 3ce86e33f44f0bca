"""Every answer of the cockpit's JSON routes matches the schema the API document gives it (backend/cockpit/contracts.py,
additionalProperties false), on data that fills every field: alerts of every kind evaluated live and read back from
the stored rows, a summary before and after the aggregates' refresh, every map measure, a visit list with stops, the
tenants masked and revealed, the audit log. Both databases."""

import jsonschema
import pytest
from test_audit_log import logged  # noqa: F401  (tenants in both townships, police reveals, audit events)
from test_cockpit_alerts import A, town  # noqa: F401  (a house for every kind of alert in township A)

from backend.api.openapi import build_spec
from backend.api.routing import DOCS
from backend.cockpit.maps import GRID_MEASURES, HEAT_MEASURES


def _errors(app, endpoint: str, body) -> list[str]:
    spec = build_spec(app)
    name = DOCS[endpoint]["response"]
    schema = {**spec["components"]["schemas"][name], "components": spec["components"]}
    validator = jsonschema.validators.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(body)]


def answer(app, auth, endpoint: str, url: str) -> dict:
    resp = auth.client.get(url)
    assert resp.status_code == 200, resp.get_data()[:300]
    body = resp.get_json()
    assert _errors(app, endpoint, body) == []
    return body


def _refresh(app):
    from backend.cockpit.aggregates import refresh
    from backend.extensions import db

    with app.app_context():
        refresh()
        db.session.commit()


def test_alerts_live_and_stored_match_their_schema(app, town, login_as):  # noqa: F811
    supervisor = login_as("supervisor", A)
    live = answer(app, supervisor, "api.cockpit_alerts", "/api/v1/cockpit/alerts")
    assert live["as_of"] is None and len({a["kind"] for a in live["alerts"]}) >= 7
    _refresh(app)
    stored = answer(app, supervisor, "api.cockpit_alerts", "/api/v1/cockpit/alerts")
    assert stored["as_of"] is not None and stored["counts"] == live["counts"]
    assert any(isinstance(v, float) for a in stored["alerts"] for v in a["numbers"].values())


@pytest.mark.parametrize("refreshed", [False, True])
def test_summary_trends_and_maps_match_their_schemas(app, town, login_as, refreshed):  # noqa: F811
    if refreshed:
        _refresh(app)
    supervisor = login_as("supervisor", A)
    summary = answer(app, supervisor, "api.cockpit_summary", "/api/v1/cockpit/summary")
    # The summary's counts are the aggregates' (nothing before the first refresh), its period counts live.
    assert (summary["houses"]["total"] >= 7) == refreshed == (summary["as_of"] is not None) and summary["children"]
    for bucket in ("day", "week", "month"):
        trends = answer(app, supervisor, "api.cockpit_trends", f"/api/v1/cockpit/trends?bucket={bucket}")
        assert trends["series"]["registered_houses"][-1] >= 1
    for measure in HEAT_MEASURES:
        for cell in ("0.005", "0.001"):  # from the aggregates, and live
            answer(app, supervisor, "api.cockpit_heatmap", f"/api/v1/cockpit/heatmap?measure={measure}&cell={cell}")
    for measure in GRID_MEASURES:
        grids = answer(app, supervisor, "api.cockpit_grids", f"/api/v1/cockpit/grids?measure={measure}")
        assert grids["features"]
    everything = answer(app, login_as("admin"), "api.cockpit_summary", "/api/v1/cockpit/summary")
    assert everything["region"] is None and everything["children"]


def test_visit_lists_and_workers_match_their_schemas(app, town, login_as, make_user):  # noqa: F811
    grid = "330326100001001"
    visits = answer(app, login_as("grid_worker", grid), "api.cockpit_visits", "/api/v1/cockpit/visits")
    assert visits["stops"] and all(s["reasons"] for s in visits["stops"])
    supervisor = login_as("supervisor", A)
    workers = answer(app, supervisor, "api.cockpit_visit_workers", "/api/v1/cockpit/visits/workers")
    assert [w["grid"]["code"] for w in workers["workers"]] == [grid]


def test_tenants_and_the_audit_log_match_their_schemas(app, logged, login_as):  # noqa: F811
    masked = answer(app, logged["supervisor"], "api.cockpit_tenants", "/api/v1/cockpit/tenants")
    assert masked["masked"] and masked["tenants"]
    url = "/api/v1/cockpit/tenants?reveal=1&reason=案件协查 A-2"
    revealed = answer(app, logged["police_a"], "api.cockpit_tenants", url)
    assert not revealed["masked"] and len(revealed["tenants"]) == len(masked["tenants"])
    log = answer(app, logged["supervisor"], "api.audit_log", "/api/v1/audit?kind=all")
    assert any(e["reason"] for e in log["events"]) and any(e["actor"] for e in log["events"])
    assert log["next"] is None
    first = answer(app, logged["supervisor"], "api.audit_log", "/api/v1/audit?kind=all&limit=1")
    assert first["next"] == first["events"][0]["id"]
