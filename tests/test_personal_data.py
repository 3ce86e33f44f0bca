"""Personal data at rest and in logs: after real check-ins, no table, database file or log line holds a valid ID
number or a phone number in clear; police can reveal one through the audited endpoint only."""

import logging
import re
from datetime import date
from pathlib import Path

from loop_helpers import person
from sqlalchemy import select, text
from stdnum.cn import ric

from backend.audit import AuditEvent
from backend.extensions import db

ID_LIKE = re.compile(r"\d{17}[\dXx]")
PHONE_LIKE = re.compile(r"1[3-9]\d{9}")


def _valid_ids(blob: str) -> set[str]:
    return {m for m in ID_LIKE.findall(blob) if ric.is_valid(m)}


def _check_in(houses, login_as, n=3):
    token = houses.plate(houses.add("A1-1", max_occupants=5, landlord="landlord-pd"))[0]
    people = [person(i) for i in range(n)]
    for i, p in enumerate(people):
        tenant = login_as("tenant", username=f"tenant-pd-{i}")
        resp = tenant.post(f"/api/v1/doorplates/{token}/check-in", json={**p, "move_in": date.today().isoformat()})
        assert resp.status_code == 201, resp.get_json()
    return people


def test_no_id_number_or_phone_in_clear_anywhere(app, houses, login_as, make_user, caplog):
    make_user("landlord", username="landlord-pd")
    caplog.set_level(logging.DEBUG)
    people = _check_in(houses, login_as)
    supervisor = login_as("supervisor", "330326100")
    house_id = supervisor.client.get("/api/v1/houses").get_json()["houses"][0]["id"]
    supervisor.client.get(f"/api/v1/houses/{house_id}")
    with app.app_context():
        dump = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(text(f"SELECT * FROM {table.name}")):
                dump.append(" ".join(str(v) for v in row))
        blob = "\n".join(dump)
        db_file = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    assert len(blob) > 1000  # the dump really holds the rows
    assert _valid_ids(blob) == set()
    assert not {p["phone"] for p in people} & set(PHONE_LIKE.findall(blob))
    if Path(db_file).is_file():  # SQLite: the raw file, free pages and WAL included
        raw = Path(db_file).read_bytes() + (
            Path(db_file + "-wal").read_bytes() if Path(db_file + "-wal").exists() else b""
        )
        assert not any(p["id_number"].encode() in raw or p["phone"].encode() in raw for p in people)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert _valid_ids(logs) == set() and not any(p["phone"] in logs for p in people)


def test_police_reveal_needs_a_reason_is_scoped_and_audited(app, houses, login_as, make_user):
    make_user("landlord", username="landlord-pd")
    (me,) = _check_in(houses, login_as, n=1)
    police = login_as("police", "330326")
    card = police.client.get(f"/api/v1/houses/{police.client.get('/api/v1/houses').get_json()['houses'][0]['id']}")
    (occupant,) = card.get_json()["occupants"]
    assert occupant["id_number"] != me["id_number"]
    url = f"/api/v1/people/{occupant['person_id']}/reveal"
    assert police.post(url, json={}).status_code == 400
    resp = police.post(url, json={"reason": "案件协查 2026-118"})
    assert resp.status_code == 200 and resp.get_json()["id_number"] == me["id_number"]
    other_township = login_as("police", "330326101")
    assert other_township.post(url, json={"reason": "越权查看测试"}).status_code == 404
    supervisor = login_as("supervisor", "330326100")
    assert supervisor.post(url, json={"reason": "想看看"}).status_code == 403
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.reveal")).all()
        assert event.actor_role == "police" and event.details["reason"] == "案件协查 2026-118"
