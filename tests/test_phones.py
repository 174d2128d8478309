"""Phone normalisation to E.164, M2M msid and operator detection."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communicator.sms.phones import InvalidPhone, detect_operator, msid, normalize_phone


def assert_rejected(func: Callable[[str], object], raw: str) -> None:
    """`func(raw)` raises InvalidPhone whose message names `raw` exactly."""
    with pytest.raises(InvalidPhone) as excinfo:
        func(raw)
    assert str(excinfo.value) == f"Invalid phone number: «{raw}»"
    assert excinfo.value.raw == raw


@pytest.mark.parametrize(
    "raw",
    [
        "+79161234567",
        "+7 916 123-45-67",
        "+7 (916) 123-45-67",
        "89161234567",
        "8 (916) 123 45 67",
        "79161234567",
        "9161234567",
        "916-123-45-67",
        "  +7 916 1234567 ",
    ],
)
def test_russian_forms_normalise(raw: str) -> None:
    assert normalize_phone(raw) == "+79161234567"


def test_moscow_landline_and_foreign_numbers() -> None:
    assert normalize_phone("8 (495) 123-45-67") == "+74951234567"
    assert normalize_phone("+1 202 555 0123") == "+12025550123"
    assert normalize_phone("+49 30 123456") == "+4930123456"


def test_default_region_applies_to_national_numbers() -> None:
    assert normalize_phone("(202) 555-0123", default_region="US") == "+12025550123"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",
        "+7916123456",  # one digit short
        "+791612345678",  # one digit long
        "abc",
        "8-800-FLOWERS",  # phonenumbers alone would read the letters as keypad digits
        "+7 916 123 45 6x",
        "+7 916.123.45.67",
        "+79161234567 ext. 5",
        "+",
        "++79161234567",
    ],
)
def test_invalid_numbers_raise_naming_the_input(raw: str) -> None:
    assert_rejected(normalize_phone, raw)


def test_invalid_phone_is_value_error() -> None:
    with pytest.raises(ValueError, match="«12345»"):
        normalize_phone("12345")


@given(st.integers(min_value=0, max_value=10**7 - 1))
def test_mobile_forms_agree(tail: int) -> None:
    local = f"916{tail:07d}"
    expected = "+7" + local
    for raw in (local, "8" + local, "7" + local, expected):
        assert normalize_phone(raw) == expected


def test_msid() -> None:
    assert msid("+79161234567") == "79161234567"


@pytest.mark.parametrize("bad", ["79161234567", "+7 916 123 45 67", "", "+0123", "+1234567890123456"])
def test_msid_rejects_non_e164(bad: str) -> None:
    assert_rejected(msid, bad)


@pytest.mark.parametrize(
    ("e164", "operator"),
    [
        ("+79031234567", "Beeline"),
        ("+79261234567", "MegaFon"),
        ("+79501234567", "T2"),
        ("+79161234567", None),  # MTS range that the carrier data misses: accepted gap
        ("+74951234567", None),  # landline: no carrier
    ],
)
def test_detect_operator(e164: str, operator: str | None) -> None:
    assert detect_operator(e164) == operator


def test_detect_operator_rejects_invalid() -> None:
    assert_rejected(detect_operator, "+712345")
