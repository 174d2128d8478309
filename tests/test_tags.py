"""#tag parsing."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communicator.sms.tags import extract_tags, normalize_tag, parse_stop


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("", []),
        ("no tags here", []),
        ("#1", ["1"]),
        ("#авария на сервере", ["авария"]),
        ("Сбой #АварияСервер1!", ["авариясервер1"]),
        ("#1234 ул. Ленина 5, замер 14:00", ["1234"]),
        ("#order-12 done", ["order-12"]),
        ("#snake_case", ["snake_case"]),
        ("#1234- готово", ["1234"]),
        ("#a-b--", ["a-b"]),
        ("(#x), #y. #z;", ["x", "y", "z"]),
        ("#собрание,#авария", ["собрание", "авария"]),
        ("#Ελλάδα #東京", ["ελλάδα", "東京"]),
        ("#ёлка #ЁЛКА", ["ёлка"]),
        ("#Straße #STRASSE", ["strasse"]),  # casefold, not lower: ß = ss
        ("#1234\nготово", ["1234"]),
        ("«#заказ»", ["заказ"]),
        ("#a#b", ["a"]),  # the second # follows a letter
        ("##двойной", ["двойной"]),
        ("#_", ["_"]),
    ],
)
def test_extract(text: str, tags: list[str]) -> None:
    assert extract_tags(text) == tags


@pytest.mark.parametrize("text", ["abc#1", "page#top", "#", "# 1", "#-", "#---", "a-#1", "ж#тег"])
def test_not_a_tag(text: str) -> None:
    assert extract_tags(text) == []


def test_case_insensitive_and_deduplicated_in_first_order() -> None:
    text = "#Авария #1 #АВАРИЯ #авария #b #1 #B"
    assert extract_tags(text) == ["авария", "1", "b"]


def test_decomposed_letters_stay_in_the_tag() -> None:
    text = unicodedata.normalize("NFD", "#йод")
    assert len(text) == 5
    assert extract_tags(text) == ["йод"]


WORD = st.text(alphabet=st.sampled_from("abcXYZ019_-жЖё"), min_size=1, max_size=8)


@given(st.lists(WORD, max_size=6))
def test_tags_roundtrip(words: list[str]) -> None:
    # Whatever is tagged comes back casefolded, trailing "-" dropped, each once, in order.
    expected = [w.rstrip("-").casefold() for w in words if w.rstrip("-")]
    assert extract_tags(" ".join("#" + w for w in words)) == list(dict.fromkeys(expected))


@pytest.mark.parametrize(
    ("raw", "stored"), [("#Авария", "авария"), (" ##АВАРИЯ ", "авария"), ("Straße", "strasse"), ("1234", "1234")]
)
def test_normalize_tag(raw: str, stored: str) -> None:
    assert normalize_tag(raw) == stored


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("СТОП", []),
        ("стоп", []),
        ("Stop!", []),
        ("  STOP.  ", []),
        ("СТОП #Склад", ["склад"]),
        ("stop #a, #B", ["a", "b"]),
        ("Стоп\n#объект!", ["объект"]),
    ],
)
def test_stop_commands(text: str, tags: list[str]) -> None:
    assert parse_stop(text) == tags


@pytest.mark.parametrize(
    "text", ["", "стоп, машина сломалась", "стопка", "STOPPED", "не стоп", "#склад стоп", "стоп-кран", "стоп #a b"]
)
def test_not_a_stop(text: str) -> None:
    assert parse_stop(text) is None
