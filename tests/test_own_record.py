"""一次采集 collected once: a returning resident checks in with the record on file; they read it (audited) and
correct it, the older values kept."""

from datetime import date

from sqlalchemy import func, select

from backend.audit import AuditEvent
from backend.extensions import db
from backend.people.vault import open_person, vault
from backend.tenancy.models import Person, PersonRevision, Tenancy

ME = {"name": "王小明", "id_number": "330326199001010014", "phone": "13812340001"}


def _check_in(client, token, **body):
    return client.post(f"/api/v1/doorplates/{token}/check-in", json={"move_in": date.today().isoformat(), **body})


def test_a_first_check_in_needs_the_details_and_a_returning_resident_needs_none(app, houses, login_as):
    first, second = houses.add("A1-1", max_occupants=4), houses.add("A1-2", max_occupants=4)
    me = login_as("resident")
    refused = _check_in(me, houses.plate(first)[0])
    assert refused.status_code == 400
    assert set(refused.get_json()["error"]["fields"]) == {"name", "id_number", "phone"}
    assert me.client.get("/api/v1/me/person").get_json() == {"on_file": False, "person": None, "revisions": 0}

    assert _check_in(me, houses.plate(first)[0], **ME).status_code == 201
    record = me.client.get("/api/v1/me/person").get_json()
    assert record["on_file"] and record["person"]["name"] == "王**" and "0014" in record["person"]["id_number"]
    assert ME["id_number"] not in str(record)

    again = _check_in(me, houses.plate(second)[0], room="302")  # nothing typed but the room
    assert again.status_code == 201, again.get_json()
    with app.app_context():
        people = db.session.scalar(select(func.count()).select_from(Person))
        tenancy = db.session.get(Tenancy, again.get_json()["id"])
        assert people == 1 and tenancy.person_id == db.session.scalar(select(Person.id))


def test_partial_details_are_each_required(houses, login_as):
    house = houses.add("A1-1")
    me = login_as("resident")
    answer = _check_in(me, houses.plate(house)[0], name="王小明")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["fields"] == {"id_number": "必填。", "phone": "必填。"}


def test_the_holder_reads_their_record_in_clear_audited(app, houses, login_as):
    house = houses.add("A1-1")
    me = login_as("resident")
    assert _check_in(me, houses.plate(house)[0], **ME).status_code == 201
    clear = me.post("/api/v1/me/person/reveal")
    assert clear.status_code == 200 and clear.get_json() == ME
    with app.app_context():
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.read")).all()
        assert any(e.details.get("masked") is False and e.actor_role == "resident" for e in reads)


def test_a_correction_keeps_what_the_record_said(app, houses, login_as):
    house = houses.add("A1-1")
    me = login_as("resident")
    assert _check_in(me, houses.plate(house)[0], **ME).status_code == 201
    fixed = me.post("/api/v1/me/person/correct", json={"phone": "139 0000 1111", "reason": "换号了"})
    assert fixed.status_code == 200 and fixed.get_json()["revisions"] == 1
    assert fixed.get_json()["person"]["phone"].endswith("1111")
    same = me.post("/api/v1/me/person/correct", json={"phone": "13900001111"})
    assert same.get_json()["revisions"] == 1  # nothing changed, nothing kept
    bad = me.post("/api/v1/me/person/correct", json={"phone": "12345"})
    assert bad.status_code == 400 and "phone" in bad.get_json()["error"]["fields"]
    with app.app_context():
        (revision,) = db.session.scalars(select(PersonRevision)).all()
        person = db.session.get(Person, revision.person_id)
        assert open_person(person)["phone"] == "13900001111"
        kept = vault().decrypt(revision.phone_enc, "phone"), vault().decrypt(revision.name_enc, "name")
        assert kept == (ME["phone"], ME["name"]) and revision.reason == "换号了"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.correct"))
        assert event.details["fields"] == ["phone"] and ME["phone"] not in str(event.details)


def test_a_check_in_with_other_details_by_the_holder_keeps_the_older_ones(app, houses, login_as):
    first, second = houses.add("A1-1"), houses.add("A1-2")
    me = login_as("resident")
    assert _check_in(me, houses.plate(first)[0], **ME).status_code == 201
    moved = {**ME, "phone": "13700002222"}
    assert _check_in(me, houses.plate(second)[0], **moved).status_code == 201
    with app.app_context():
        (revision,) = db.session.scalars(select(PersonRevision)).all()
        assert vault().decrypt(revision.phone_enc, "phone") == ME["phone"]


def test_no_record_is_a_404_for_reveal_and_correct(login_as):
    me = login_as("resident")
    assert me.post("/api/v1/me/person/reveal").status_code == 404
    assert me.post("/api/v1/me/person/correct", json={"phone": "13900001111"}).status_code == 404
