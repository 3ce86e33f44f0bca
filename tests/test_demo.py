"""flask demo seed builds the demo town, idempotently, and its accounts log in."""

import pytest
from sqlalchemy import func, select

from backend.addresses.models import Address
from backend.demo.seed import ACCOUNTS, DEMO_PASSWORD
from backend.extensions import db
from backend.regions.models import Region


def test_seed_twice_and_log_in_as_every_role(app, runner, auth):
    first = runner.invoke(args=["demo", "seed"], env={"MENPAI_LANG": "en"})
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "seed"], env={"MENPAI_LANG": "en"})
    assert second.exit_code == 0, second.output
    assert "0 new, 0 updated" in second.output
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Address))
        unassigned = db.session.scalar(select(func.count()).select_from(Address).where(Address.grid_id.is_(None)))
        grids = db.session.scalar(select(func.count()).select_from(Region).where(Region.level == "grid"))
    assert 300 <= total <= 1000 and unassigned == 0
    assert 6 <= grids <= 10
    for username, role, _ in ACCOUNTS:
        assert f"{username:<14} {DEMO_PASSWORD}" in second.output
        resp = auth.login(username, DEMO_PASSWORD)
        assert resp.status_code == 200 and resp.get_json()["user"]["role"] == role


@pytest.mark.parametrize(
    ("username", "visible", "hidden"),
    [
        ("supervisor", "330326100001001", "330326101001001"),
        ("grid", "330326100001001", "330326100001002"),
    ],
)
def test_demo_accounts_have_sensible_scopes(app, runner, auth, username, visible, hidden):
    runner.invoke(args=["demo", "seed"])
    auth.login(username, DEMO_PASSWORD)
    assert auth.client.get(f"/api/v1/regions/{visible}").status_code == 200
    assert auth.client.get(f"/api/v1/regions/{hidden}").status_code == 404
