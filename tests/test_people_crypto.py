"""Personal data: ID/phone/name validation, masking, AES-GCM tokens and blind indexes."""

import string
from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from backend.people.crypto import DecryptError, Vault
from backend.people.validate import (
    PersonDataError,
    birth_date,
    check_id_number,
    check_name,
    check_phone,
    mask_id,
    mask_name,
    mask_phone,
)

BASES = ["33032619900101123", "11010119851231002", "44030520000229456", "11010119851231100"]


def with_check_digit(base):
    # stdnum's calc_check_digit ignores the last character (it expects the check digit position present).
    return base + ric.calc_check_digit(base + "0")


def reason_of(func, value):
    with pytest.raises(PersonDataError) as caught:
        func(value)
    return caught.value.field, caught.value.reason


def vault(keys=("1",), current="1"):
    return Vault({kid: bytes([int(kid)]) * 32 for kid in keys}, current, b"\x09" * 32)


@pytest.mark.parametrize("base", BASES)
def test_valid_id_numbers_pass_unchanged(base):
    number = with_check_digit(base)
    assert check_id_number(number) == number


def test_id_number_with_x_check_digit_is_normalised_to_upper_case():
    number = with_check_digit("11010119851231100")
    assert number.endswith("X")
    assert check_id_number(f"  {number.lower()} ") == number


def test_birth_date_is_read_from_the_id_number():
    assert birth_date(with_check_digit("44030520000229456")) == date(2000, 2, 29)


@pytest.mark.parametrize("base", BASES)
def test_every_single_digit_change_fails_the_checksum(base):
    number = with_check_digit(base)
    for pos, original in enumerate(number):
        replacements = "0123456789X" if pos == 17 else string.digits
        for digit in replacements.replace(original, ""):
            changed = number[:pos] + digit + number[pos + 1 :]
            assert reason_of(check_id_number, changed) == ("id_number", "error.id_number_checksum"), changed


def test_future_birth_date_is_rejected():
    tomorrow = date.today() + timedelta(days=1)
    number = with_check_digit(f"330326{tomorrow:%Y%m%d}123")
    assert reason_of(check_id_number, number) == ("id_number", "error.id_number_birth_date")


def test_thirtieth_of_february_is_rejected():
    number = with_check_digit("33032619900230123")
    assert reason_of(check_id_number, number) == ("id_number", "error.id_number_birth_date")


def test_unknown_region_is_rejected():
    number = with_check_digit("00000019900101123")
    assert reason_of(check_id_number, number) == ("id_number", "error.id_number_region")


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "33032619900101123",
        "3303261990010112366",
        "33032619900101X236",
        "３３０３２６１９９００１０１１２３６",
    ],
)
def test_malformed_id_numbers_are_format_errors(text):
    assert reason_of(check_id_number, text) == ("id_number", "error.id_number_format")


@pytest.mark.parametrize("text", ["+86 138 1234 5678", "86-13812345678", "13812345678", " 138-1234-5678 "])
def test_phone_formats_are_normalised_to_eleven_digits(text):
    assert check_phone(text) == "13812345678"


@pytest.mark.parametrize("text", ["138123456789", "12812345678", "1381234567a", "+85 13812345678", "", None])
def test_bad_phone_numbers_are_rejected(text):
    assert reason_of(check_phone, text) == ("phone", "error.phone_format")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三", "张三"),
        (" 买买提·艾力 ", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("John  Smith", "John Smith"),
    ],
)
def test_chinese_and_latin_names_are_accepted(text, expected):
    assert check_name(text) == expected


@pytest.mark.parametrize("text", ["张3", "", None, "   ", "张" * 51, "张\x00三", "John2", "·张三", "张三John"])
def test_bad_names_are_rejected(text):
    assert reason_of(check_name, text) == ("name", "error.name_format")


def test_name_of_fifty_characters_is_accepted():
    assert check_name("张" * 50) == "张" * 50


def test_masks_show_only_the_allowed_parts():
    assert mask_id("330326199001011234") == "330326********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("张三丰") == "张**"
    assert mask_name("买买提·艾力") == "买*****"
    assert mask_name("John Smith") == "J***"


def test_encrypt_decrypt_round_trip():
    v = vault()
    assert v.decrypt(v.encrypt("330326199001011236", "id_number"), "id_number") == "330326199001011236"
    assert v.decrypt(v.encrypt("买买提·艾力", "name"), "name") == "买买提·艾力"


def test_same_value_encrypts_differently_but_indexes_equally():
    v = vault()
    first, second = v.encrypt("13812345678", "phone"), v.encrypt("13812345678", "phone")
    assert first != second
    assert v.blind_index("13812345678", "phone") == v.blind_index("13812345678", "phone")
    assert len(v.blind_index("13812345678", "phone")) == 32


def test_blind_index_depends_on_purpose_and_value():
    v = vault()
    assert v.blind_index("13812345678", "phone") != v.blind_index("13812345678", "id_number")
    assert v.blind_index("13812345678", "phone") != v.blind_index("13812345679", "phone")


def test_ciphertext_does_not_decrypt_under_another_purpose():
    v = vault()
    token = v.encrypt("13812345678", "phone")
    with pytest.raises(DecryptError):
        v.decrypt(token, "id_number")


def test_changing_any_single_character_of_the_token_fails():
    v = vault()
    token = v.encrypt("330326199001011236", "id_number")
    alphabet = string.ascii_letters + string.digits + "-_."
    for pos, original in enumerate(token):
        for char in alphabet.replace(original, ""):
            with pytest.raises(DecryptError):
                v.decrypt(token[:pos] + char + token[pos + 1 :], "id_number")


@pytest.mark.parametrize("token", ["", "v1", "v1.1.", "v2.1.AAAA", "v1.1.AAAA", "v1.1.AA==", "v1..AAAA", None])
def test_malformed_tokens_fail(token):
    with pytest.raises(DecryptError):
        vault().decrypt(token, "phone")


def test_old_key_still_decrypts_after_rotation_and_needs_reencrypt():
    token = vault().encrypt("13812345678", "phone")
    rotated = vault(keys=("1", "2"), current="2")
    assert rotated.decrypt(token, "phone") == "13812345678"
    assert rotated.needs_reencrypt(token)
    assert not rotated.needs_reencrypt(rotated.encrypt("13812345678", "phone"))


def test_unknown_key_id_fails():
    token = vault(keys=("1", "2"), current="2").encrypt("13812345678", "phone")
    with pytest.raises(DecryptError, match="unknown key id"):
        vault().decrypt(token, "phone")


@pytest.mark.parametrize("key", [b"short", b"\x01" * 31, b"\x01" * 33, "1" * 32])
def test_keys_must_be_32_bytes(key):
    with pytest.raises(ValueError, match="32 bytes"):
        Vault({"1": key}, "1", b"\x09" * 32)
    with pytest.raises(ValueError, match="32 bytes"):
        Vault({"1": b"\x01" * 32}, "1", key)


def test_current_key_id_must_be_configured():
    with pytest.raises(ValueError, match="current key id"):
        Vault({"1": b"\x01" * 32}, "2", b"\x09" * 32)


def test_from_config_without_keys_is_deterministic_per_secret():
    first = Vault.from_config(None, None, None, "secret-a")
    again = Vault.from_config(None, None, None, "secret-a")
    other = Vault.from_config(None, None, None, "secret-b")
    token = first.encrypt("13812345678", "phone")
    assert again.decrypt(token, "phone") == "13812345678"
    assert again.blind_index("13812345678", "phone") == first.blind_index("13812345678", "phone")
    assert other.blind_index("13812345678", "phone") != first.blind_index("13812345678", "phone")
    with pytest.raises(DecryptError):
        other.decrypt(token, "phone")


def test_from_config_uses_explicit_hex_keys():
    v = Vault.from_config({"2024": "01" * 32, "2025": "02" * 32}, "2025", "09" * 32, "ignored")
    assert v.encrypt("x", "phone").startswith("v1.2025.")
    assert v.blind_index("13812345678", "phone") == vault().blind_index("13812345678", "phone")


@pytest.mark.parametrize(
    ("keys", "current", "index"),
    [
        ({"1": "zz" * 32}, "1", "09" * 32),
        ({"1": "01" * 32, "2": "02" * 32}, None, "09" * 32),
        ({"1": "01" * 32}, "1", None),
    ],
)
def test_from_config_rejects_incomplete_or_bad_keys(keys, current, index):
    with pytest.raises(ValueError):
        Vault.from_config(keys, current, index, "secret")


def test_token_sizes_fit_the_column():
    v = vault()
    assert len(v.encrypt("330326199001011236", "id_number")) < 100
    assert len(v.encrypt("a" * 60, "name")) <= 200
