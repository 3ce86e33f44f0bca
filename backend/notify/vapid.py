"""The VAPID key pair (RFC 8292): from config, or generated once into instance/vapid.json."""

import base64
import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app

KEY_FILE = "vapid.json"
CACHE = "menpai.vapid"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate() -> dict[str, str]:
    """A fresh P-256 key pair: the raw 32-byte private value and the uncompressed public point, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    return {"private_key": b64url(key.private_numbers().private_value.to_bytes(32, "big")), "public_key": _public(key)}


def _public(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def _private(raw: str) -> ec.EllipticCurvePrivateKey:
    value = b64url_decode(raw.strip())
    if len(value) != 32:
        raise RuntimeError("VAPID_PRIVATE_KEY must be the base64url raw 32-byte P-256 key (flask notify vapid-keys)")
    return ec.derive_private_key(int.from_bytes(value, "big"), ec.SECP256R1())


def key_file() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def write_file(keys: dict[str, str], *, replace: bool = True) -> Path:
    """Write the pair to instance/vapid.json (owner-readable only); replace=False keeps a file already there."""
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(keys, indent=2))
    tmp.chmod(0o600)
    try:
        if replace:
            tmp.replace(path)
        else:  # several processes starting at once: the first key written is the key
            os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    current_app.extensions.pop(CACHE, None)
    return path


def _load() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private, public = current_app.config.get("VAPID_PRIVATE_KEY"), current_app.config.get("VAPID_PUBLIC_KEY")
    if not private:
        path = key_file()
        if not path.exists():
            write_file(generate(), replace=False)
        data = json.loads(path.read_text())
        private, public = data["private_key"], data.get("public_key")
    key = _private(private)
    derived = _public(key)
    if public and public.strip() != derived:
        raise RuntimeError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
    return key, derived


def keys() -> tuple[ec.EllipticCurvePrivateKey, str]:
    """(private key, base64url public key), read once per app."""
    cached = current_app.extensions.get(CACHE)
    if cached is None:
        cached = current_app.extensions[CACHE] = _load()
    return cached


def public_key() -> str:
    return keys()[1]
