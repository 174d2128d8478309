"""Segment counting as an SMSC bills it."""

import math

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from communicator.sms.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SegmentInfo,
    count_segments,
    is_gsm7,
)

GSM_BASIC_CHARS = "".join(sorted(GSM7_BASIC))
GSM_ALL_CHARS = GSM_BASIC_CHARS + "".join(sorted(GSM7_EXTENSION))
EMOJI = "\U0001f600"  # outside the BMP: a surrogate pair in UTF-16


def info(encoding: str, units: int, parts: int, per_part: int, remaining: int) -> SegmentInfo:
    """Shorthand for an expected SegmentInfo."""
    return SegmentInfo(encoding, units, parts, per_part, remaining)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", info("GSM-7", 0, 0, 160, 160)),
        ("Hello", info("GSM-7", 5, 1, 160, 155)),
        ("a" * 160, info("GSM-7", 160, 1, 160, 0)),
        ("a" * 161, info("GSM-7", 161, 2, 153, 145)),
        ("a" * 306, info("GSM-7", 306, 2, 153, 0)),
        ("a" * 307, info("GSM-7", 307, 3, 153, 152)),
        ("ж" * 70, info("UCS-2", 70, 1, 70, 0)),
        ("ж" * 71, info("UCS-2", 71, 2, 67, 63)),
        ("ж" * 134, info("UCS-2", 134, 2, 67, 0)),
        ("ж" * 135, info("UCS-2", 135, 3, 67, 66)),
    ],
)
def test_boundaries(text: str, expected: SegmentInfo) -> None:
    assert count_segments(text) == expected


def test_whole_gsm7_default_alphabet_is_basic() -> None:
    text = (
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    assert len(text) == 127  # 128 codes minus ESC
    assert count_segments(text) == info("GSM-7", 127, 1, 160, 33)


@pytest.mark.parametrize("ch", list("^{}\\[~]|€\f"))
def test_extension_char_counts_two(ch: str) -> None:
    assert count_segments("a" + ch) == info("GSM-7", 3, 1, 160, 157)


def test_extension_chars_push_over_single_part() -> None:
    assert count_segments("€" * 80).parts == 1
    # 76 "€" fill 152 septets of part 1; the 77th cannot split, so part 2 holds 5 (10 septets).
    assert count_segments("€" * 81) == info("GSM-7", 162, 2, 153, 143)


def test_escape_pair_at_boundary_goes_to_next_part() -> None:
    # Division would say ceil(306 / 153) = 2; the "€" cannot straddle parts 1 and 2.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text) == info("GSM-7", 306, 3, 153, 152)


def test_escape_pair_that_fits_exactly_stays() -> None:
    assert count_segments("a" * 151 + "€" + "a" * 153) == info("GSM-7", 306, 2, 153, 0)


@pytest.mark.parametrize("text", ["Привет", "Hello мир", "a" * 159 + "ж", "ç", "`"])
def test_non_gsm_char_forces_ucs2(text: str) -> None:
    result = count_segments(text)
    assert (result.encoding, result.units) == ("UCS-2", len(text))
    assert not is_gsm7(text)


def test_extension_chars_count_one_in_ucs2() -> None:
    assert count_segments("ж€").units == 2


def test_emoji_counts_two_units() -> None:
    assert count_segments(EMOJI) == info("UCS-2", 2, 1, 70, 68)
    assert count_segments(EMOJI * 35).parts == 1
    # 33 emoji fill 66 units of part 1; the 34th cannot split, so part 2 holds 3 (6 units).
    assert count_segments(EMOJI * 36) == info("UCS-2", 72, 2, 67, 61)


def test_surrogate_pair_at_boundary_not_split() -> None:
    # Division would say ceil(134 / 67) = 2; the emoji cannot straddle parts 1 and 2.
    text = "ж" * 66 + EMOJI + "ж" * 66
    assert count_segments(text) == info("UCS-2", 134, 3, 67, 66)


def test_is_gsm7() -> None:
    assert is_gsm7("")
    assert is_gsm7("Order #12: {ok} €5 @home")
    assert not is_gsm7("Заказ")
    assert not is_gsm7(EMOJI)


def test_segment_info_is_frozen() -> None:
    result = count_segments("a")
    with pytest.raises(AttributeError):
        result.parts = 5  # type: ignore[misc]
    assert msgspec.json.encode(result) == (b'{"encoding":"GSM-7","units":1,"parts":1,"per_part":160,"remaining":159}')


def check_packing(result: SegmentInfo, single: int, multi: int) -> None:
    """Invariants every count must satisfy, whatever the text."""
    assert 0 <= result.remaining <= result.per_part
    if result.units <= single:
        assert (result.parts, result.per_part) == (min(result.units, 1), single)
        assert result.remaining == single - result.units
        return
    assert result.per_part == multi
    # Greedy packing wastes at most one unit per part (a 2-unit char that did not fit).
    assert math.ceil(result.units / multi) <= result.parts <= math.ceil(result.units / (multi - 1))
    assert result.remaining < multi


@given(st.text(alphabet=GSM_ALL_CHARS, max_size=700))
def test_gsm7_properties(text: str) -> None:
    result = count_segments(text)
    assert result.encoding == "GSM-7"
    assert result.units == len(text) + sum(ch in GSM7_EXTENSION for ch in text)
    check_packing(result, 160, 153)


@given(st.text(min_size=1, max_size=400).map(lambda s: "ж" + s))
def test_ucs2_properties(text: str) -> None:
    result = count_segments(text)
    assert result.encoding == "UCS-2"
    assert result.units == len(text.encode("utf-16-le")) // 2
    check_packing(result, 70, 67)


@given(st.text(max_size=400), st.characters())
def test_appending_never_reduces_parts_within_encoding(text: str, ch: str) -> None:
    before, after = count_segments(text), count_segments(text + ch)
    if before.encoding == after.encoding:
        assert after.parts >= before.parts
