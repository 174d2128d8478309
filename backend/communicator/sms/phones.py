"""Normalise phone numbers to E.164 and detect the mobile operator."""

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import carrier

# Only digits and the usual separators; phonenumbers would read letters as a
# vanity keypad ("8-800-FLOWERS"), which is never what an SMS recipient means.
_ALLOWED = re.compile(r"\+?[\d\s()\-]+")
_E164 = re.compile(r"\+[1-9]\d{1,14}")

# phonenumbers' English carrier names -> our operator codes.
_OPERATORS = {"mts": "MTS", "megafon": "MegaFon", "beeline": "Beeline", "t2": "T2", "tele2": "T2"}


class InvalidPhone(ValueError):
    """A phone number that cannot be normalised to a valid E.164 number."""

    def __init__(self, raw: str) -> None:
        super().__init__(f"Invalid phone number: «{raw}»")
        self.raw = raw


def _parse(raw: str, region: str | None) -> phonenumbers.PhoneNumber:
    """Parse `raw` and insist phonenumbers calls it a valid number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(raw) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return number


# Parsing costs a third of a millisecond; integrations send to the same numbers again and again.
@lru_cache(maxsize=65536)
def normalize_phone(raw: str, default_region: str = "RU") -> str:
    """Return `raw` as E.164 ("+79161234567"); raise InvalidPhone if it is not a valid number."""
    if not _ALLOWED.fullmatch(raw.strip()):
        raise InvalidPhone(raw)
    # With region RU phonenumbers already reads 8XXXXXXXXXX, 7XXXXXXXXXX and a bare
    # 10-digit 9XXXXXXXXX as Russian numbers, so no hand-rolled prefix rules are needed.
    number = _parse(raw, default_region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def msid(e164: str) -> str:
    """The M2M API form of an E.164 number: its digits without the "+"."""
    if not _E164.fullmatch(e164):
        raise InvalidPhone(e164)
    return e164[1:]


def detect_operator(e164: str) -> str | None:
    """MTS / MegaFon / Beeline / T2, "other" for another known carrier, None when unknown."""
    name = carrier.name_for_number(_parse(e164, None), "en")
    if not name:
        # The carrier data has gaps (large Russian ranges); unknown is not "other".
        return None
    return _OPERATORS.get(name.casefold(), "other")
