"""The scan rule's truth table (backend/fastpath/rule.py), and both paths answering it alike.

Every combination of (token version against the plate's, plate state, house state) goes through the general (ORM)
path and PostgreSQL's fast path, for the landing page and for a staff scan's house card: the same answers, the same
scan rows, the same warnings in the log.
"""

import itertools

import pytest
from conftest import PG_URL
from sqlalchemy import delete, select, update

from backend.doorplates import keys
from backend.doorplates import token as tokens
from backend.doorplates.models import STATES, Doorplate, Scan
from backend.extensions import db
from backend.fastpath import fastscan
from backend.fastpath.rule import classify
from backend.houses.models import STATUSES, House

PLATE_VERSION = 2
OFFSETS = {"older": -1, "current": 0, "never issued": 1}


def expected(offset: str, plate_state: str) -> str:
    """The table, written out: the house's state never changes the outcome."""
    if offset == "never issued":
        return "unknown"  # a leaked key? whatever the plate's state (the fast path said "revoked" for a revoked one)
    if offset == "older" or plate_state == "revoked":
        return "revoked"
    return "ok"


CELLS = list(itertools.product(OFFSETS, STATES, STATUSES))


@pytest.mark.parametrize(("offset", "plate_state", "house_state"), CELLS)
def test_classify_is_the_table(offset, plate_state, house_state):
    version = PLATE_VERSION + OFFSETS[offset]
    assert classify(version, PLATE_VERSION, plate_state, house_state) == expected(offset, plate_state)


def _scan_rows(app):
    with app.app_context():
        rows = [
            (s.doorplate_id, s.version, s.result, s.channel, s.user_id, s.role)
            for s in db.session.scalars(select(Scan).order_by(Scan.id))
        ]
        db.session.execute(delete(Scan))
        db.session.commit()
        return rows


def _warnings(caplog):
    found = [r.getMessage() for r in caplog.records if r.getMessage().startswith("doorplate scan")]
    caplog.clear()
    return found


def _through(app, caplog, client, staff, token):
    """(page status, page body, card status, card error code, scan rows, warnings) of one token."""
    page = client.get(f"/d/{token}")
    card = staff.client.get(f"/api/v1/doorplates/{token}/card")
    fastscan.flush(app)
    error = (card.get_json().get("error") or {}).get("code") if card.status_code != 200 else None
    return page.status_code, page.get_data(as_text=True), card.status_code, error, _scan_rows(app), _warnings(caplog)


@pytest.mark.skipif(not PG_URL, reason="the fast path runs on PostgreSQL only")
@pytest.mark.parametrize(("offset", "plate_state", "house_state"), CELLS)
def test_both_paths_answer_the_table_alike(
    app, client, houses, login_as, monkeypatch, caplog, offset, plate_state, house_state
):
    staff = login_as("admin")
    house_id = houses.add("A1-1", status=house_state)
    with app.app_context():
        db.session.execute(
            update(Doorplate)
            .where(Doorplate.house_id == house_id)
            .values(version=PLATE_VERSION, state=plate_state, key_id=keys.current_key_id())
        )
        db.session.execute(update(House).where(House.id == house_id).values(status=house_state))
        db.session.commit()
        plate = db.session.scalar(select(Doorplate).where(Doorplate.house_id == house_id))
        plate_id = plate.id
        version = PLATE_VERSION + OFFSETS[offset]
        token = tokens.sign(tokens.Token(plate.key_id, plate.plate_id, version), keys.signing_keys())
    _scan_rows(app)
    _warnings(caplog)

    with app.app_context():
        assert fastscan.available()
    fast = _through(app, caplog, client, staff, token)
    monkeypatch.setattr(fastscan, "available", lambda: False)
    general = _through(app, caplog, client, staff, token)

    assert fast == general
    want = expected(offset, plate_state)
    page_status, _, card_status, _, rows, warnings = general
    assert page_status == {"ok": 200, "revoked": 410, "unknown": 404}[want]
    assert card_status == page_status
    staff_id = rows[1][4]
    assert staff_id is not None and rows == [
        (plate_id, version, want, "page", None, None),
        (plate_id, version, want, "api", staff_id, "admin"),
    ]
    warned = [f"doorplate scan {want} via {channel} (plate {plate_id})" for channel in ("page", "api")]
    assert warnings == ([] if want == "ok" else warned)
