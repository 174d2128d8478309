"""Word forms for the history search: a message's stored search words, a query's words, and highlights.

Every word is casefolded and reduced to its stem by the Russian (Cyrillic words) or English (other words)
Snowball stemmer, so «аварии» finds «авария» and "failed" finds "fail". A #tag becomes one word of its own
(`ztag` + its name in hex), so it is found only as a tag, whatever characters its name holds. The stored form
is these words, de-duplicated, joined by single spaces; SQLite FTS5 and PostgreSQL index exactly these words
(docs/search.md).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

from communicator.sms.tags import extract_tags, normalize_tag

# Letters and digits in any script: "_" and "-" split words, as they do for FTS5's unicode61 tokenizer.
_WORD = re.compile(r"[^\W_]+")
_TAG_OR_WORD = re.compile(r"(?<![\w-])#[\w-]*\w|[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
TAG_PREFIX = "ztag"
MAX_WORD = 64  # longer runs are cut: no word is that long, and PostgreSQL refuses lexemes over 2 KB
_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")
# Noun endings Porter2 keeps that its verbs lose: "failure" → "failur" but "failed" → "fail"; "delivery" → "deliveri"
# but "delivered" → "deliv". Cut from English stems (leaving 3 letters at least), they meet.
_ENGLISH_NOUN_ENDINGS = ("ur", "eri")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One casefolded word's stem: Russian rules for a Cyrillic word, English for any other."""
    word = word[:MAX_WORD]
    if word.isdigit():
        return word
    if _CYRILLIC.search(word):
        return _RUSSIAN.stemWord(word)
    stemmed = _ENGLISH.stemWord(word)
    for ending in _ENGLISH_NOUN_ENDINGS:
        if stemmed.endswith(ending) and len(stemmed) - len(ending) >= 3:
            return stemmed[: -len(ending)]
    return stemmed


def tag_word(name: str) -> str:
    """The search word of a #tag (any spelling: '#Авария', 'авария')."""
    return TAG_PREFIX + normalize_tag(name).encode().hex()


def _words(text: str) -> list[str]:
    """The stems of a text's words (NFC, casefolded), in order, with repeats."""
    return [stem(word) for word in _WORD.findall(unicodedata.normalize("NFC", text).casefold())]


def index_words(text: str) -> str:
    """What the search column stores for a message's text."""
    words = [tag_word(tag) for tag in extract_tags(text)] + _words(text)
    return " ".join(dict.fromkeys(words))


def query_words(q: str | None, tag: str | None = None) -> list[str]:
    """The words a search asks for (all must be in a message): its #tags, its words' stems, the tag filter."""
    text = q or ""
    words = [tag_word(t) for t in extract_tags(text)] + _words(_TAG_OR_WORD.sub(_drop_tags, text))
    if tag is not None and normalize_tag(tag):
        words.append(tag_word(tag))
    return list(dict.fromkeys(words))


def _drop_tags(found: re.Match[str]) -> str:
    """A #tag in a query is asked for as a tag only, not as its words too."""
    return " " if found.group().startswith("#") else found.group()


def _is_hit(token: str, wanted: set[str]) -> bool:
    """Whether a word or #tag of a text is one a search asked for (a tag's own words count too)."""
    if token.startswith("#"):
        return tag_word(token) in wanted or any(word in wanted for word in _words(token))
    return stem(unicodedata.normalize("NFC", token).casefold()) in wanted


def highlight(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """The text cut into pieces, each with whether it is a word (or #tag) the search asked for; joined, the text."""
    wanted = set(words)
    parts: list[tuple[str, bool]] = []
    at = 0
    for found in _TAG_OR_WORD.finditer(text):
        if not _is_hit(found.group(), wanted):
            continue
        if found.start() > at:
            parts.append((text[at : found.start()], False))
        parts.append((found.group(), True))
        at = found.end()
    if at < len(text) or not parts:
        parts.append((text[at:], False))
    return parts
