"""The app's personal-data vault, and people as the API shows them: masked, or revealed (always audited)."""

from flask import current_app

from backend import audit, secret_key
from backend.extensions import db
from backend.people import validate
from backend.people.crypto import Vault

KEY = "menpai.vault"


def vault() -> Vault:
    v = current_app.extensions.get(KEY)
    if v is None:
        c = current_app.config
        v = Vault.from_config(
            c.get("PERSONAL_DATA_KEYS"),
            c.get("PERSONAL_DATA_KEY_ID"),
            c.get("PERSONAL_DATA_INDEX_KEY"),
            secret_key.required(current_app),
        )
        current_app.extensions[KEY] = v
    return v


def id_index(id_number: str) -> str:
    return vault().blind_index(id_number, "id_number")


def phone_index(phone: str) -> str:
    """The keyed blind index of a mobile number: how a phone is found without being stored in clear."""
    return vault().blind_index(phone, "phone")


def seal(person, name: str, id_number: str, phone: str) -> None:
    """Write the encrypted fields and blind indexes of person."""
    v = vault()
    person.name_enc = v.encrypt(name, "name")
    person.id_number_enc = v.encrypt(id_number, "id_number")
    person.id_number_index = v.blind_index(id_number, "id_number")
    person.phone_enc = v.encrypt(phone, "phone")
    person.phone_index = v.blind_index(phone, "phone")


def open_person(person) -> dict:
    v = vault()
    return {
        "name": v.decrypt(person.name_enc, "name"),
        "id_number": v.decrypt(person.id_number_enc, "id_number"),
        "phone": v.decrypt(person.phone_enc, "phone"),
    }


def shown(person, reveal: bool = False) -> dict:
    """The person's name, ID number and phone, in that order: masked, or in clear when reveal. Unaudited."""
    clear = open_person(person)
    if reveal:
        return clear
    return {
        "name": validate.mask_name(clear["name"]),
        "id_number": validate.mask_id(clear["id_number"]),
        "phone": validate.mask_phone(clear["phone"]),
    }


def mask(people) -> dict[int, dict]:
    """person id -> masked name, ID and phone. Unaudited: callers use `masked`, or write `read_events` themselves."""
    return {p.id: shown(p) for p in people}


# What a masked read read: the person's stored fields, or what a conflicting check-in presented (on the tenancy).
READS = {"people": "person.read", "tenancies": "tenancy.presented_read"}


def read_events(ids, actor, why: str, target_type: str = "people", **columns) -> list[dict]:
    """The audit events of a masked read, one per person (or per tenancy whose presented name and phone were shown,
    target_type "tenancies"): who read whose data and why (audit.values).
    columns: house_id, region_code (the same for every row read)."""
    return [
        audit.values(
            READS[target_type],
            actor=actor,
            target_type=target_type,
            target_id=i,
            person_id=i if target_type == "people" else None,
            masked=True,
            why=why,
            **columns,
        )
        for i in ids
    ]


def masked(people, actor, why: str, **columns) -> dict[int, dict]:
    """person id -> masked name, ID and phone; one audit event per person records who read it and why."""
    out = mask(people)
    db.session.add_all(audit.AuditEvent(**event) for event in read_events(out, actor, why, **columns))
    return out
