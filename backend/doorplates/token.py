"""Doorplate tokens and short codes (pure: no Flask).

token      = key id (1) + plate id (7) + version (2) + tag (13) = 23 characters of ALPHABET
short code = plate id (7) + version mod 31 (1) + check (1)      = 9 characters, printed as XXX-XXX-XXX

ALPHABET has 31 symbols: digits and capitals without 0 O 1 I L, so nothing on a worn plate reads as something
else. It is a subset of the QR alphanumeric mode, so the token costs 5.5 bits a character in the code (the URL
prefix goes in byte mode). 31 is prime, which makes the weighted check character catch every single substitution
and every swap of neighbours. The tag is HMAC-SHA256 over the first ten characters, truncated to 64 bits.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)
VALUE = {c: i for i, c in enumerate(ALPHABET)}
ID_CHARS, VERSION_CHARS, TAG_CHARS = 7, 2, 13
TOKEN_LENGTH = 1 + ID_CHARS + VERSION_CHARS + TAG_CHARS
MAX_PLATE_ID = BASE**ID_CHARS  # 27,512,614,111 plate ids
MAX_VERSION = BASE**VERSION_CHARS - 1  # 960 re-issues of one plate
TAG_BYTES = 8  # 64 bits; BASE**13 > 2**64
SHORT_CODE_LENGTH = ID_CHARS + 2
DOMAIN = b"menpai-doorplate-v1|"


@dataclass(frozen=True)
class Token:
    key_id: str
    plate_id: int
    version: int


def encode_int(value: int, width: int) -> str:
    """value in ALPHABET digits, most significant first, zero-padded to width."""
    if not 0 <= value < BASE**width:
        raise ValueError(f"{value} does not fit in {width} characters")
    out = []
    for _ in range(width):
        value, digit = divmod(value, BASE)
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def decode_int(text: str) -> int:
    value = 0
    for ch in text:
        value = value * BASE + VALUE[ch]
    return value


def new_plate_id() -> int:
    """A random, non-sequential plate id (the opaque house id in the token)."""
    return secrets.randbelow(MAX_PLATE_ID)


def _tag(key: bytes, body: str) -> str:
    digest = hmac.new(key, DOMAIN + body.encode("ascii"), hashlib.sha256).digest()
    return encode_int(int.from_bytes(digest[:TAG_BYTES], "big"), TAG_CHARS)


def sign(token: Token, keys: dict[str, bytes]) -> str:
    """The printed token for plate_id at version, signed with key key_id."""
    if token.key_id not in VALUE or token.key_id not in keys:
        raise ValueError(f"unknown doorplate key id {token.key_id!r}")
    if not 0 <= token.version <= MAX_VERSION:
        raise ValueError(f"version {token.version} out of range")
    body = token.key_id + encode_int(token.plate_id, ID_CHARS) + encode_int(token.version, VERSION_CHARS)
    return body + _tag(keys[token.key_id], body)


def verify(text: str, keys: dict[str, bytes]) -> Token | None:
    """The token's contents if text is exactly a token signed by one of keys, else None (tampered)."""
    if len(text) != TOKEN_LENGTH or any(ch not in VALUE for ch in text):
        return None
    key = keys.get(text[0])
    body, tag = text[:-TAG_CHARS], text[-TAG_CHARS:]
    if key is None or not hmac.compare_digest(_tag(key, body), tag):
        return None
    return Token(text[0], decode_int(body[1 : 1 + ID_CHARS]), decode_int(body[1 + ID_CHARS :]))


def check_char(payload: str) -> str:
    """Weighted sum mod 31 with weights 1..n: n < 31 and 31 prime, so one wrong or two swapped characters show."""
    return ALPHABET[sum((i + 1) * VALUE[ch] for i, ch in enumerate(payload)) % BASE]


def short_code(plate_id: int, version: int) -> str:
    """The code printed under the QR, e.g. K7M-Q3X-RTP: plate id, version digit, check character."""
    payload = encode_int(plate_id, ID_CHARS) + ALPHABET[version % BASE]
    raw = payload + check_char(payload)
    return "-".join(raw[i : i + 3] for i in range(0, len(raw), 3))


class ShortCodeError(ValueError):
    """A typed short code that cannot be a doorplate's; .reason is a translation key."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_short_code(typed: str) -> tuple[int, int]:
    """(plate id, version mod 31) from what someone typed: any case, spaces or dashes anywhere."""
    raw = "".join(ch for ch in typed.upper() if ch not in " -_.\t")
    if len(raw) != SHORT_CODE_LENGTH:
        raise ShortCodeError("short_code.length")
    if any(ch not in VALUE for ch in raw):
        raise ShortCodeError("short_code.characters")
    if check_char(raw[:-1]) != raw[-1]:
        raise ShortCodeError("short_code.check")
    return decode_int(raw[:ID_CHARS]), VALUE[raw[ID_CHARS]]
