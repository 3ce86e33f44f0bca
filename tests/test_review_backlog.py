"""A house whose visit waits for the supervisor's review (task state `review`) is still unverified: it stays in the
cockpit's verification backlog (summary, grid map, the `unverified` alert), and `far_verification` stays its own."""

from datetime import UTC, datetime, timedelta

from loop_helpers import answers
from sqlalchemy import select

from backend.cockpit.aggregates import refresh
from backend.cockpit.alerts import Rule, rows
from backend.extensions import db
from backend.verification.models import VerificationTask

GRID, TOWNSHIP = "330326100001001", "330326100"
FAR = {
    "outcome": "approved",
    "checklist": answers("verification"),
    "lat": 27.61 + 0.018,
    "lon": 120.505,
    "accuracy": 10,
}


def test_a_visit_in_review_stays_in_the_verification_backlog(app, houses, login_as):
    house = houses.add("A1-1", status="declared")
    with app.app_context():
        task = db.session.scalar(select(VerificationTask.id).where(VerificationTask.house_id == house))
    assert login_as("grid_worker", GRID).post(f"/api/v1/tasks/{task}/verify", json=FAR).status_code == 201
    with app.app_context():
        assert db.session.get(VerificationTask, task).state == "review"
        later = Rule(datetime.now(UTC) + timedelta(days=90))
        assert [a["house"]["id"] for a in rows("unverified", later, TOWNSHIP)] == [house]
        assert [a["house"]["id"] for a in rows("far_verification", later, TOWNSHIP)] == [house]
        refresh()
        db.session.commit()
    supervisor = login_as("supervisor", TOWNSHIP)
    summary = supervisor.client.get(f"/api/v1/cockpit/summary?region={TOWNSHIP}").get_json()
    assert summary["verification"]["backlog"] == 1, summary
    grids = supervisor.client.get("/api/v1/cockpit/grids?measure=backlog").get_json()
    assert {f["properties"]["code"]: f["properties"]["value"] for f in grids["features"]}.get(GRID) == 1
