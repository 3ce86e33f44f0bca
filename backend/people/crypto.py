"""Encrypt personal data at rest (AES-256-GCM) and index it for exact lookup (HMAC-SHA256 blind index)."""

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
INDEX_HEX_CHARS = 32
FALLBACK_KID = "1"
FALLBACK_KEY_INFO = b"menpai personal data key 1"
FALLBACK_INDEX_INFO = b"menpai blind index"
# Key ids and purposes end up in the token and in the HMAC input; keeping them to a plain alphabet keeps the
# "." token separator and the "|" index separator unambiguous.
KID_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,16}", re.ASCII)
PURPOSE_FORMAT = re.compile(r"[a-z0-9_]{1,40}", re.ASCII)
PAYLOAD_FORMAT = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


class DecryptError(Exception):
    """A token could not be decrypted: malformed, unknown key, wrong purpose or tampered with."""


class Vault:
    """Holds the data keys and the blind-index key; encrypts, decrypts and indexes personal data."""

    def __init__(self, keys: dict[str, bytes], current: str, index_key: bytes):
        if not keys:
            raise ValueError("personal data: at least one encryption key is required")
        for kid, key in keys.items():
            _check_kid(kid)
            _check_key(f"encryption key {kid!r}", key)
        if current not in keys:
            raise ValueError(f"personal data: current key id {current!r} is not among the keys {sorted(keys)}")
        _check_key("blind index key", index_key)
        self._keys = dict(keys)
        self.current = current
        self._index_key = index_key

    def __repr__(self) -> str:
        return f"Vault(kids={sorted(self._keys)}, current={self.current!r})"

    @classmethod
    def from_config(
        cls,
        keys: dict[str, str] | None,
        current: str | None,
        index_key_hex: str | None,
        fallback_secret: str,
    ) -> "Vault":
        """Build a vault from hex keys in the config, or derive them from fallback_secret when none are set.

        The fallback (key "1" and the index key via HKDF-SHA256 from the app secret) is for development and tests
        only: changing the secret would make every stored value unreadable and every blind index stale.
        Production must configure explicit keys, a current key id and an index key.
        """
        if keys:
            key_bytes = {kid: _from_hex(f"encryption key {kid!r}", value) for kid, value in keys.items()}
            if current is None and len(keys) == 1:
                current = next(iter(keys))
            if current is None:
                raise ValueError("personal data: several keys are configured but no current key id")
            if not index_key_hex:
                raise ValueError("personal data: encryption keys are configured but the blind index key is not")
        else:
            if current not in (None, FALLBACK_KID):
                raise ValueError(f"personal data: current key id {current!r} set but no keys are configured")
            key_bytes = {FALLBACK_KID: _derive(fallback_secret, FALLBACK_KEY_INFO)}
            current = FALLBACK_KID
        if index_key_hex:
            index_key = _from_hex("blind index key", index_key_hex)
        else:
            index_key = _derive(fallback_secret, FALLBACK_INDEX_INFO)
        return cls(key_bytes, current, index_key)

    def encrypt(self, plaintext: str, purpose: str) -> str:
        """Return plaintext encrypted under the current key as "v1.<kid>.<base64url(nonce+ciphertext+tag)>"."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._keys[self.current]).encrypt(
            nonce, plaintext.encode(), _associated_data(self.current, purpose)
        )
        payload = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{VERSION}.{self.current}.{payload}"

    def decrypt(self, token: str, purpose: str) -> str:
        """Return the plaintext of a token made by encrypt for the same purpose, or raise DecryptError."""
        kid, blob = _parse(token)
        key = self._keys.get(kid)
        if key is None:
            raise DecryptError(f"unknown key id {kid!r}")
        try:
            plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(kid, purpose))
        except InvalidTag:
            raise DecryptError("authentication failed: tampered with, wrong key or wrong purpose") from None
        return plain.decode()

    def needs_reencrypt(self, token: str) -> bool:
        """Return whether a token was made under a key other than the current one."""
        kid, _ = _parse(token)
        return kid != self.current

    def blind_index(self, value: str, purpose: str) -> str:
        """Return a deterministic 32-hex-character HMAC of the normalised value, for lookup without decrypting."""
        message = f"{_check_purpose(purpose)}|{_normalise(value)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()[:INDEX_HEX_CHARS]


def _check_kid(kid: str) -> None:
    """Raise ValueError unless kid is a short id of letters, digits, "_" or "-"."""
    if not isinstance(kid, str) or not KID_FORMAT.fullmatch(kid):
        raise ValueError(f"personal data: key id {kid!r} must be 1-16 letters, digits, '_' or '-'")


def _check_key(name: str, key: bytes) -> None:
    """Raise ValueError unless key is 32 bytes."""
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        size = len(key) if isinstance(key, bytes) else type(key).__name__
        raise ValueError(f"personal data: {name} must be {KEY_BYTES} bytes (64 hex characters), got {size}")


def _check_purpose(purpose: str) -> str:
    """Return purpose if it is a plain lowercase identifier, else raise ValueError."""
    if not isinstance(purpose, str) or not PURPOSE_FORMAT.fullmatch(purpose):
        raise ValueError(f"personal data: purpose {purpose!r} must be a lowercase identifier")
    return purpose


def _from_hex(name: str, value: str) -> bytes:
    """Return the bytes of a hex-encoded key, or raise ValueError naming the key."""
    try:
        key = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ValueError(f"personal data: {name} is not valid hex") from None
    _check_key(name, key)
    return key


def _derive(secret: str, info: bytes) -> bytes:
    """Return a 32-byte key derived from secret with HKDF-SHA256."""
    if not secret:
        raise ValueError("personal data: no keys are configured and the fallback secret is empty")
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(secret.encode())


def _associated_data(kid: str, purpose: str) -> bytes:
    """Return the authenticated header: a token only decrypts for its own version, key id and purpose."""
    return f"{VERSION}|{kid}|{_check_purpose(purpose)}".encode()


def _parse(token: str) -> tuple[str, bytes]:
    """Return the key id and the nonce+ciphertext+tag of a token, or raise DecryptError."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != VERSION or not KID_FORMAT.fullmatch(parts[1]):
        raise DecryptError("malformed token")
    payload = parts[2]
    if not PAYLOAD_FORMAT.fullmatch(payload):
        raise DecryptError("malformed token")
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise DecryptError("malformed token") from None
    # Base64 leaves spare bits in the last character; re-encoding rejects payloads that differ only there.
    if base64.urlsafe_b64encode(blob).rstrip(b"=").decode("ascii") != payload:
        raise DecryptError("malformed token")
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptError("malformed token")
    return parts[1], blob


def _normalise(value: str) -> str:
    """Return value in the form the blind index hashes: NFKC, single spaces, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()
