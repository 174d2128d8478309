"""Parse #tags and the «СТОП» opt-out command out of message text (docs/tags.md)."""

import re
import unicodedata

# "#" + letters/digits/"_"/"-" in any script, ending on a non-"-" character (a trailing
# "-" is punctuation: "#1234- done"). Not preceded by a word character or "-", so
# "abc#1" and URL fragments ("page#top") are not tags.
_TAG = re.compile(r"(?<![\w-])#([\w-]*\w)")
# The longest tag stored (the column width); a longer "#…" in a text is no tag anyone can subscribe to.
MAX_TAG_LENGTH = 100
# «СТОП» / «STOP» in any case as the first word, then only tags and punctuation.
_STOP = re.compile(r"^\s*(?:stop|стоп)(?![\w-])(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_PUNCTUATION = " \t\r\n,.;:!"


def extract_tags(text: str) -> list[str]:
    """Tags in `text`, casefolded and de-duplicated, in order of first appearance."""
    # NFC first: a decomposed "й" (и + combining breve) is not \w and would cut the tag.
    found = _TAG.findall(unicodedata.normalize("NFC", text))
    return list(dict.fromkeys(tag.casefold() for tag in found))


def normalize_tag(name: str) -> str:
    """The stored form of a tag name: without '#', NFC, casefolded ("#Авария" → "авария")."""
    return unicodedata.normalize("NFC", name.strip()).lstrip("#").casefold()


def parse_stop(text: str) -> list[str] | None:
    """The tags an opt-out SMS leaves ([]: every tag), or None when the text is not one («стоп, машина» is not)."""
    found = _STOP.match(unicodedata.normalize("NFC", text))
    if found is None:
        return None
    rest = found["rest"]
    if _TAG.sub("", rest).strip(_PUNCTUATION):
        return None
    return extract_tags(rest)
