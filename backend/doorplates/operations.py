"""Doorplate operations: issue, activate, revoke, resolve a scanned token or typed code, record the scan.

Plain functions: they flush and write audit events, the caller commits.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from backend import audit
from backend.doorplates import keys
from backend.doorplates import token as tokens
from backend.doorplates.lookup import PlateView, load_plate
from backend.doorplates.models import Doorplate, DoorplateRevocation
from backend.errors import Conflict, ValidationError
from backend.extensions import db
from backend.fastpath.record import after_scan
from backend.fastpath.rule import classify
from backend.locks import lock
from backend.types import utcnow


def issue_doorplate(house, actor=None) -> Doorplate:
    """A pending plate for a newly declared house, under a fresh random plate id."""
    plate_id = tokens.new_plate_id()
    while db.session.scalar(select(Doorplate.id).where(Doorplate.plate_id == plate_id)) is not None:
        plate_id = tokens.new_plate_id()  # one in 27 billion; the unique constraint backs this up
    plate = Doorplate(house=house, plate_id=plate_id, version=1, key_id=keys.current_key_id(), state="pending")
    db.session.add(plate)
    db.session.flush()
    audit.record("doorplate.issue", actor=actor, target=plate, region_code=house.scope_code)
    return plate


def activate(plate: Doorplate, actor=None) -> None:
    """Verified on site: the plate goes live."""
    if lock(plate, "state").state == "revoked":
        raise Conflict("error.doorplate_revoked")
    plate.state, plate.activated_at = "active", utcnow()
    db.session.flush()
    audit.record("doorplate.activate", actor=actor, target=plate, region_code=plate.house.scope_code)


def revoke(plate: Doorplate, reason: str, actor=None, note: str | None = None) -> None:
    """Take the current version out of use. Lost or damaged: a new version is issued, to be printed;
    moved or withdrawn: the plate is revoked for good."""
    if reason not in ("lost", "damaged", "moved", "withdrawn", "other"):
        raise ValidationError(fields={"reason": "error.doorplate_reason"})
    if lock(plate, "state").state == "revoked":
        raise Conflict("error.doorplate_revoked")
    if plate.version >= tokens.MAX_VERSION:
        raise Conflict("error.doorplate_versions_used")
    old = plate.version
    db.session.add(
        DoorplateRevocation(
            doorplate_id=plate.id, version=old, reason=reason, note=note, revoked_by_id=getattr(actor, "id", None)
        )
    )
    if reason in ("moved", "withdrawn"):
        plate.state = "revoked"
    else:
        plate.version, plate.key_id = old + 1, keys.current_key_id()
        plate.printed_at, plate.print_count = None, 0
    db.session.flush()
    audit.record(
        "doorplate.revoke",
        actor=actor,
        target=plate,
        region_code=plate.house.scope_code,
        version=old,
        reason=reason,
        reissued=plate.state != "revoked",
    )


def token_of(plate: Doorplate) -> str:
    return tokens.sign(tokens.Token(plate.key_id, plate.plate_id, plate.version), keys.signing_keys())


def url_of(plate: Doorplate) -> str:
    """The URL in the QR code: a public contract once printed."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/d/{token_of(plate)}"


@dataclass
class Resolution:
    """What a scanned token or typed code turned out to be."""

    result: str  # ok / tampered / revoked / unknown
    plate: PlateView | None = None
    version: int | None = None


def resolve_token(text: str) -> Resolution:
    """Verify the signature, then look the plate up: an older or revoked version is "revoked", not "tampered"."""
    tok = tokens.verify(text, keys.signing_keys())
    if tok is None:
        return Resolution("tampered")
    plate = load_plate(tok.plate_id)
    if plate is None:
        return Resolution("unknown", version=tok.version)
    # The one rule (fastpath/rule.py), as on PostgreSQL's fast path: a version never issued (a leaked key?) is
    # "unknown", logged against the plate.
    return Resolution(classify(tok.version, plate.version, plate.state, plate.house_status), plate, tok.version)


def resolve_short_code(typed: str) -> Resolution:
    """A typed short code: ShortCodeError for a malformed one; the version digit tells a replaced plate."""
    plate_id, version_digit = tokens.parse_short_code(typed)
    plate = load_plate(plate_id)
    if plate is None:
        return Resolution("unknown")
    if version_digit != plate.version % tokens.BASE or plate.state == "revoked":
        return Resolution("revoked", plate)
    return Resolution("ok", plate, plate.version)


def record_scan(resolution: Resolution, channel: str, user=None, lon=None, lat=None) -> None:
    """Every scan, whatever its result, in the request's transaction and warned about (fastpath/record.py).
    Anonymous: time, plate and result only."""
    signed_in = user is not None and user.is_authenticated
    after_scan(
        resolution.result,
        resolution.plate.id if resolution.plate else None,
        resolution.version,
        channel,
        user.id if signed_in else None,
        user.role if signed_in else None,
        lon,
        lat,
    )
