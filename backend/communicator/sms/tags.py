"""Parse #tags out of message text."""

import re
import unicodedata

# "#" + letters/digits/"_"/"-" in any script, ending on a non-"-" character (a trailing
# "-" is punctuation: "#1234- done"). Not preceded by a word character or "-", so
# "abc#1" and URL fragments ("page#top") are not tags.
_TAG = re.compile(r"(?<![\w-])#([\w-]*\w)")


def extract_tags(text: str) -> list[str]:
    """Tags in `text`, casefolded and de-duplicated, in order of first appearance."""
    # NFC first: a decomposed "й" (и + combining breve) is not \w and would cut the tag.
    found = _TAG.findall(unicodedata.normalize("NFC", text))
    return list(dict.fromkeys(tag.casefold() for tag in found))


def normalize_tag(name: str) -> str:
    """The stored form of a tag name: without '#', NFC, casefolded ("#Авария" → "авария")."""
    return unicodedata.normalize("NFC", name.strip()).lstrip("#").casefold()
