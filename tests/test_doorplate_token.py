"""Doorplate tokens and short codes: signed, tamper-evident, rotatable, typable."""

import itertools
import random

import pytest

from backend.doorplates import token as tokens
from backend.doorplates.token import ALPHABET, ShortCodeError, Token

KEYS = {"A": bytes(range(32)), "B": bytes(range(32, 64))}


def _sample(n, seed=1):
    rng = random.Random(seed)
    return [Token(rng.choice("AB"), rng.randrange(tokens.MAX_PLATE_ID), rng.randrange(1, 50)) for _ in range(n)]


def test_token_round_trips_and_is_short_and_unambiguous():
    for tok in _sample(500):
        text = tokens.sign(tok, KEYS)
        assert len(text) == 23
        assert set(text) <= set(ALPHABET)
        assert tokens.verify(text, KEYS) == tok
    assert not set("01ILO") & set(ALPHABET)
    assert set(ALPHABET) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # QR alphanumeric mode


def test_tag_carries_at_least_64_bits():
    assert tokens.TAG_BYTES * 8 >= 64
    assert tokens.BASE**tokens.TAG_CHARS >= 2**64


def test_ten_thousand_single_character_mutations_are_all_rejected():
    rng = random.Random(42)
    valid = [tokens.sign(t, KEYS) for t in _sample(100, seed=2)]
    # Any character a phone, a typo or a forger could put there: the alphabet, look-alikes, lower case.
    pool = ALPHABET + "01ILOabcxyz-_~%"
    accepted = tried = 0
    while tried < 10_000:
        text = rng.choice(valid)
        i = rng.randrange(len(text))
        ch = rng.choice(pool)
        if ch == text[i]:
            continue
        tried += 1
        accepted += tokens.verify(text[:i] + ch + text[i + 1 :], KEYS) is not None
    assert accepted == 0


def test_truncated_extended_and_foreign_tokens_are_rejected():
    text = tokens.sign(Token("A", 12345, 1), KEYS)
    for bad in (text[:-1], text + "2", "", text.lower(), "x" * 23, text[::-1]):
        assert tokens.verify(bad, KEYS) is None


def test_old_key_keeps_verifying_after_rotation_and_unknown_key_does_not():
    old = tokens.sign(Token("A", 777, 3), {"A": KEYS["A"]})
    assert tokens.verify(old, KEYS) == Token("A", 777, 3)  # a new key "B" was added
    assert tokens.verify(old, {"B": KEYS["B"]}) is None  # key "A" retired
    with pytest.raises(ValueError):
        tokens.sign(Token("C", 1, 1), KEYS)


def test_the_tag_depends_on_key_id_plate_and_version():
    base = tokens.sign(Token("A", 99, 1), KEYS)
    others = [Token("B", 99, 1), Token("A", 100, 1), Token("A", 99, 2)]
    assert all(tokens.sign(t, KEYS)[-13:] != base[-13:] for t in others)


def test_short_code_is_found_in_any_case_with_or_without_separators():
    code = tokens.short_code(123_456_789, 4)
    assert len(code) == 11 and code.count("-") == 2
    raw = code.replace("-", "")
    for typed in (code, raw, raw.lower(), " ".join(raw), f" {code.lower()} ", raw[:4] + "_" + raw[4:]):
        assert tokens.parse_short_code(typed) == (123_456_789, 4)


def test_every_single_wrong_character_and_every_neighbour_swap_is_caught():
    for plate_id, version in [(0, 1), (27_000_000_000, 7), (555_555, 30)]:
        raw = tokens.short_code(plate_id, version).replace("-", "")
        for i in range(len(raw)):
            for ch in ALPHABET:
                if ch != raw[i]:
                    with pytest.raises(ShortCodeError):
                        tokens.parse_short_code(raw[:i] + ch + raw[i + 1 :])
            if i + 1 < len(raw) and raw[i] != raw[i + 1]:
                with pytest.raises(ShortCodeError) as err:
                    tokens.parse_short_code(raw[:i] + raw[i + 1] + raw[i] + raw[i + 2 :])
                assert err.value.reason == "short_code.check"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ABC-DEF", "short_code.length"),
        ("ABC-DEF-GH0", "short_code.characters"),
        ("abc-def-ghi", "short_code.characters"),
    ],
)
def test_malformed_short_codes_say_what_is_wrong(typed, reason):
    with pytest.raises(ShortCodeError) as err:
        tokens.parse_short_code(typed)
    assert err.value.reason == reason


def test_plate_ids_are_random_not_sequential():
    ids = [tokens.new_plate_id() for _ in range(200)]
    assert len(set(ids)) == 200
    assert sum(abs(a - b) < 1000 for a, b in itertools.pairwise(ids)) == 0
