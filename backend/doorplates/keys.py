"""Doorplate signing keys: from config, or generated once into the instance folder."""

import json
import secrets
from pathlib import Path

from flask import current_app

from backend.doorplates.token import ALPHABET

KEY_FILE = "doorplate_keys.json"
CACHE = "menpai.doorplate_keys"


def _key_file() -> Path:
    return Path(current_app.instance_path) / KEY_FILE


def _load_file() -> dict:
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_file({"current": ALPHABET[0], "keys": {ALPHABET[0]: secrets.token_hex(32)}})
    return json.loads(path.read_text())


def _write_file(data: dict) -> None:
    path = _key_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.chmod(0o600)
    tmp.replace(path)


def _config() -> tuple[str, dict[str, str]]:
    keys = current_app.config.get("DOORPLATE_KEYS")
    if keys:
        return current_app.config.get("DOORPLATE_KEY_ID") or sorted(keys)[-1], keys
    data = _load_file()
    return data["current"], data["keys"]


def signing_keys() -> dict[str, bytes]:
    """Every key id that verifies plates -> its secret (read once per app: every scan needs them)."""
    cached = current_app.extensions.get(CACHE)
    if cached is None:
        _, keys = _config()
        cached = current_app.extensions[CACHE] = {kid: bytes.fromhex(secret) for kid, secret in keys.items()}
    return cached


def current_key_id() -> str:
    kid, keys = _config()
    if kid not in keys:
        raise RuntimeError(f"DOORPLATE_KEY_ID {kid!r} is not one of DOORPLATE_KEYS")
    return kid


def add_key() -> str:
    """A new key in the instance key file, made current; earlier keys keep verifying. Returns its id."""
    if current_app.config.get("DOORPLATE_KEYS"):
        raise RuntimeError("keys come from configuration (MENPAI_DOORPLATE_KEYS): add the new key there")
    data = _load_file()
    free = [c for c in ALPHABET if c not in data["keys"]]
    if not free:
        raise RuntimeError("all 31 key ids are used")
    data["keys"][free[0]] = secrets.token_hex(32)
    data["current"] = free[0]
    _write_file(data)
    current_app.extensions.pop(CACHE, None)
    return free[0]
