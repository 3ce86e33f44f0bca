"""A resident's own record (一次采集, collected once): found by their account, read by them (every read audited),
corrected by them with the older values kept (person_revisions)."""

from sqlalchemy import func, select

from backend import audit
from backend.extensions import db
from backend.people.vault import open_person, vault
from backend.tenancy.models import Person, PersonRevision


def own_person(user) -> Person | None:
    """The record the account holds (the first, should an older account hold several)."""
    return db.session.scalar(select(Person).where(Person.user_id == user.id).order_by(Person.id).limit(1))


def revisions(person: Person) -> int:
    return db.session.scalar(select(func.count()).where(PersonRevision.person_id == person.id))


def revise(person: Person, actor, name: str, phone: str, why: str, reason: str | None = None) -> bool:
    """Change name and phone, keeping what they were; nothing happens when both are unchanged. True if changed."""
    before = open_person(person)
    if (before["name"], before["phone"]) == (name, phone):
        return False
    db.session.add(
        PersonRevision(
            person_id=person.id,
            name_enc=person.name_enc,
            phone_enc=person.phone_enc,
            changed_by_id=getattr(actor, "id", None),
            reason=reason,
        )
    )
    v = vault()
    person.name_enc, person.phone_enc = v.encrypt(name, "name"), v.encrypt(phone, "phone")
    person.phone_index = v.blind_index(phone, "phone")
    changed = [f for f in ("name", "phone") if before[f] != {"name": name, "phone": phone}[f]]
    audit.record("person.correct", actor=actor, target=person, why=why, fields=changed, reason=reason)
    db.session.flush()
    return True
