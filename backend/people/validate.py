"""Validate, normalise and mask tenants' personal data: ID number, mobile phone, name."""

import re
import unicodedata
from datetime import date

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

ID_FORMAT = re.compile(r"\d{17}[\dX]", re.ASCII)
# What a typed mobile number may hold (after NFKC: full-width digits are digits): a leading +, digits, spaces,
# dashes, brackets. phonenumbers would read letters as keypad digits ("1381234567a"); they are refused first.
PHONE_TEXT = re.compile(r"\(?\+?[0-9\s\-()]+", re.ASCII)
MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
NAME_MAX = 50
MIDDLE_DOT = "·"
# Dots people type instead of U+00B7 in minority names (IME, Japanese keyboards, bullets).
DOT_VARIANTS = str.maketrans(dict.fromkeys("•‧・･.．", MIDDLE_DOT))
# CJK unified ideographs incl. extensions: rare characters in names live in extension B and beyond.
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
LATIN = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f"
HAN_CHAR = re.compile(rf"[{HAN}]")
HAN_NAME = re.compile(rf"[{HAN}]+(?:{MIDDLE_DOT}[{HAN}]+)*")
LATIN_NAME = re.compile(rf"[{LATIN}]+(?:[ '\-][{LATIN}]+)*")


# Longer than any valid value by far: a longer text is refused before a regex or a checksum looks at it.
TEXT_MAX = 100


class PersonDataError(Exception):
    """A personal-data field failed validation; reason is a translation key."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _text(field: str, value) -> str:
    """The raw field as text: None is empty, anything but a string (a number, a list, an object) is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PersonDataError(field, "error.not_string")
    if len(value) > TEXT_MAX:
        raise PersonDataError(field, "error.too_long")
    return value


def check_id_number(text: str | None) -> str:
    """Return the normalised 18-character resident ID number or raise PersonDataError."""
    number = _text("id_number", text).strip().upper()
    if not ID_FORMAT.fullmatch(number):
        raise PersonDataError("id_number", "error.id_number_format")
    try:
        ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise PersonDataError("id_number", "error.id_number_checksum") from None
    except stdnum_errors.InvalidComponent:
        # stdnum raises InvalidComponent for both a bad date and an unknown region; tell them apart.
        raise PersonDataError("id_number", _component_reason(number)) from None
    except stdnum_errors.ValidationError:
        raise PersonDataError("id_number", "error.id_number_format") from None
    if ric.get_birth_date(number) > date.today():
        raise PersonDataError("id_number", "error.id_number_birth_date")
    return number


def _component_reason(number: str) -> str:
    """Return the reason key for an ID number whose date or region stdnum rejected."""
    try:
        ric.get_birth_date(number)
    except stdnum_errors.InvalidComponent:
        return "error.id_number_birth_date"
    return "error.id_number_region"


def birth_date(id_number: str) -> date:
    """Return the birth date encoded in a resident ID number (validating it first)."""
    return ric.get_birth_date(check_id_number(id_number))


def check_phone(text: str | None) -> str:
    """Return a mainland mobile number as 11 digits or raise PersonDataError. The number plan is phonenumbers'
    (allocated 1xx prefixes, +86 / 0086 / 86 in front), not a hand-written pattern."""
    raw = unicodedata.normalize("NFKC", _text("phone", text)).strip()
    if not PHONE_TEXT.fullmatch(raw):
        raise PersonDataError("phone", "error.phone_format")
    try:
        number = phonenumbers.parse(raw, "CN")
    except NumberParseException:
        raise PersonDataError("phone", "error.phone_format") from None
    mobile = phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in MOBILE_TYPES
    if number.country_code != 86 or number.extension or not mobile:
        raise PersonDataError("phone", "error.phone_format")
    return str(number.national_number)


def check_name(text: str | None) -> str:
    """Return a normalised Chinese or Latin-script name or raise PersonDataError."""
    name = " ".join(_text("name", text).split())
    if HAN_CHAR.search(name):
        # Chinese names carry no spaces; a stray one is a typing slip, not part of the name.
        name = name.replace(" ", "").translate(DOT_VARIANTS)
        valid = HAN_NAME.fullmatch(name)
    else:
        valid = LATIN_NAME.fullmatch(name)
    if not valid or len(name) > NAME_MAX:
        raise PersonDataError("name", "error.name_format")
    return name


def mask_id(id_number: str) -> str:
    """Return an ID number for display: first 6 and last 4 characters, 8 stars between."""
    if len(id_number) != 18:
        # A malformed value is hidden whole: we cannot tell which of its parts are safe to show.
        return "*" * len(id_number)
    return id_number[:6] + "*" * 8 + id_number[-4:]


def mask_phone(phone: str) -> str:
    """Return a mobile number for display: first 3 and last 4 digits, 4 stars between."""
    if len(phone) != 11:
        return "*" * len(phone)
    return phone[:3] + "*" * 4 + phone[-4:]


def mask_name(name: str) -> str:
    """Return a name for display: its first character, the rest as stars."""
    if not name:
        return ""
    if LATIN_NAME.fullmatch(name):
        return name[0] + "***"
    if len(name) == 1:
        # A one-character name would be shown whole.
        return "*"
    return name[0] + "*" * (len(name) - 1)
