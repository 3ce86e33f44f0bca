"""A resident's own record: seen masked, read in clear by its holder, corrected with the history kept. Every read
is in the audit log."""

from flask_login import current_user

from backend import audit
from backend.api.routing import route
from backend.errors import NotFound, ValidationError
from backend.people import contracts as c
from backend.people.own import own_person, revise, revisions
from backend.people.vault import masked, open_person

OWNERS = ("tenant",)  # and residents (backend/auth/capacity.py): whoever checks in holds a record


def _record() -> dict:
    person = own_person(current_user)
    if person is None:
        return {"on_file": False, "person": None, "revisions": 0}
    shown = masked([person], current_user, why="own record")[person.id]
    return {"on_file": True, "person": shown, "revisions": revisions(person)}


@route(
    "/me/person",
    summary="一次采集: my record on file, masked (a returning resident checks in with it)",
    tag="people",
    roles=OWNERS,
    response=c.OwnRecord,
)
def own_record():
    return _record()


@route(
    "/me/person/reveal",
    "POST",
    summary="My record in clear, to check it (the read is audited)",
    tag="people",
    roles=OWNERS,
    response=c.OwnRecordClear,
    errors=(404,),
    personal=True,
)
def own_record_reveal():
    person = own_person(current_user)
    if person is None:
        raise NotFound()
    audit.record("person.read", actor=current_user, target=person, masked=False, why="own record")
    return open_person(person)


@route(
    "/me/person/correct",
    "POST",
    summary="Correct my name or phone; what it said before is kept",
    tag="people",
    roles=OWNERS,
    body=c.PersonCorrection,
    response=c.OwnRecord,
    errors=(400, 404),
)
def own_record_correct(body: c.PersonCorrection):
    person = own_person(current_user)
    if person is None:
        raise NotFound()
    if body.name is None and body.phone is None:
        raise ValidationError(fields={"name": "error.required", "phone": "error.required"})
    clear = open_person(person)
    revise(person, current_user, body.name or clear["name"], body.phone or clear["phone"], "correction", body.reason)
    return _record()


def init_app(app):
    """一次采集: a resident's own record."""
