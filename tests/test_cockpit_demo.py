"""The demo town's cockpit looks alive: twelve weeks of history, a few alerts of several kinds, a visit list;
and a second seed changes none of it (the history is given only to houses made in that run)."""

from datetime import timedelta

from backend.demo.seed import DEMO_PASSWORD
from backend.types import utcnow


def test_demo_cockpit_has_weeks_of_trends_and_a_few_alerts(app, runner, auth):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert auth.login("supervisor", DEMO_PASSWORD).status_code == 200
    since = (utcnow().date() - timedelta(weeks=13)).isoformat()
    trends = auth.client.get(f"/api/v1/cockpit/trends?bucket=week&from={since}").get_json()
    weeks_with_check_ins = sum(1 for n in trends["series"]["check_ins"] if n)
    assert weeks_with_check_ins >= 6
    tenants = [n for n in trends["series"]["active_tenants"] if n]
    assert len(set(tenants)) >= 5  # it grows over the weeks rather than jumping once
    first = auth.client.get("/api/v1/cockpit/alerts?limit=1").get_json()["counts"]
    assert sum(1 for n in first.values() if n) >= 4
    assert 0 < first["not_visited"] < 60
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert auth.client.get("/api/v1/cockpit/alerts?limit=1").get_json()["counts"] == first
    assert auth.login("grid", DEMO_PASSWORD).status_code == 200
    stops = auth.client.get("/api/v1/cockpit/visits").get_json()["stops"]
    assert stops and all(s["reasons"] for s in stops)
