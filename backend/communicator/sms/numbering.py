"""The regulator's numbering-plan registry (DEF-code CSV) and a range index over it; pure, no I/O. See docs/numbering.md."""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

# The big four are named by INN: the registry spells their names in many ways (legal forms, quotes, branches).
OPERATORS_BY_INN = {"7740000076": "MTS", "7812014560": "MegaFon", "7713076301": "Beeline", "7743895280": "T2"}
# Registries without an INN column (older files): the same four by a word of their name.
_NAMES = (("мобильные телесистемы", "MTS"), ("мегафон", "MegaFon"), ("вымпел", "Beeline"), ("т2 мобайл", "T2"))
_LEGAL_FORM = re.compile(r"^\s*(ПАО|ОАО|ЗАО|АО|ООО|НАО|ИП|ФГУП|ГУП)\s+", re.IGNORECASE)
_QUOTES = str.maketrans("", "", "\"'«»“”„")
MAX_OPERATOR_LENGTH = 40
# The CSV's columns, by their header names; "Регион" and the INN are optional (older registries lack the INN).
COLUMNS = {"code": "АВС/ DEF", "start": "От", "end": "До", "capacity": "Емкость", "operator": "Оператор", "inn": "ИНН"}
# phonenumbers' English carrier names -> our codes (its data covers fewer ranges, so it is the fallback).
_CARRIERS = {"mts": "MTS", "megafon": "MegaFon", "beeline": "Beeline", "t2": "T2", "tele2": "T2"}


@dataclass(frozen=True, kw_only=True)
class NumberRange:
    """One registry line: the E.164 digits from `start` to `end` belong to `operator`."""

    start: int
    end: int
    operator: str
    region: str = ""


@dataclass(kw_only=True)
class ParsedRegistry:
    """What a registry file held: its ranges, and one message per line that could not be read."""

    ranges: list[NumberRange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lines: int = 0


def decode_registry(data: bytes) -> str:
    """The file as text: UTF-8 (with or without BOM) when it decodes, else cp1251 (the regulator's own)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def get_operator_code(name: str, inn: str) -> str:
    """Our code for a registry operator: by INN for the big four, else by name (shortened, legal form dropped)."""
    if inn.strip() in OPERATORS_BY_INN:
        return OPERATORS_BY_INN[inn.strip()]
    folded = name.casefold()
    for word, code in _NAMES:
        if word in folded:
            return code
    short = _LEGAL_FORM.sub("", name.translate(_QUOTES)).strip()
    return short[:MAX_OPERATOR_LENGTH] or "other"


def parse_registry(data: bytes) -> ParsedRegistry:
    """Read a DEF-code CSV (`;`-separated, header first); a bad line is reported by number and skipped."""
    rows = csv.reader(io.StringIO(decode_registry(data)), delimiter=";")
    parsed = ParsedRegistry()
    header = [name.strip() for name in next(rows, [])]
    positions = {key: header.index(name) for key, name in COLUMNS.items() if name in header}
    missing = [COLUMNS[key] for key in ("code", "start", "end", "operator") if key not in positions]
    if missing:
        parsed.errors.append(f"line 1: the header lacks {', '.join(missing)}")
        return parsed
    region = header.index("Регион") if "Регион" in header else None
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        parsed.lines += 1
        try:
            parsed.ranges.append(_parse_line(row, positions, region))
        except (ValueError, IndexError) as error:
            parsed.errors.append(f"line {number}: {error}")
    return parsed


def _parse_line(row: list[str], positions: dict[str, int], region: int | None) -> NumberRange:
    """One registry line as a range of E.164 digits (country code 7 in front)."""
    code, start, end = (row[positions[key]].strip() for key in ("code", "start", "end"))
    if not (code.isdigit() and len(code) == 3 and start.isdigit() and end.isdigit()):
        raise ValueError(f"not a number range: {code!r} {start!r} {end!r}")
    if len(start) > 7 or len(end) > 7 or int(start) > int(end):
        raise ValueError(f"bad range {start}–{end}")
    inn = row[positions["inn"]] if "inn" in positions and positions["inn"] < len(row) else ""
    name = row[positions["operator"]].strip()
    if not name:
        raise ValueError("no operator")
    capacity = row[positions["capacity"]].strip() if "capacity" in positions else ""
    if capacity.isdigit() and int(capacity) != int(end) - int(start) + 1:
        raise ValueError(f"capacity {capacity} does not match {start}–{end}")
    return NumberRange(
        start=int(f"7{code}{int(start):07d}"),
        end=int(f"7{code}{int(end):07d}"),
        operator=get_operator_code(name, inn),
        region=row[region].strip() if region is not None and region < len(row) else "",
    )


class RangeIndex:
    """Which range holds a number: bisect over the sorted range starts (no scan)."""

    def __init__(self, ranges: Iterable[NumberRange] = ()) -> None:
        ordered = sorted(ranges, key=lambda r: r.start)
        self.starts = [r.start for r in ordered]
        self.ends = [r.end for r in ordered]
        self.operators = [r.operator for r in ordered]

    def __len__(self) -> int:
        return len(self.starts)

    def lookup(self, e164: str) -> str | None:
        """The operator of an E.164 number ("+79161234567") in the registry, None when no range holds it."""
        try:
            number = int(e164)  # int() takes the leading "+" itself: no slicing on the hot path
        except ValueError:
            return None
        at = bisect_right(self.starts, number) - 1
        if at >= 0 and number <= self.ends[at]:
            return self.operators[at]
        return None


HEAD = 4  # prefixes are grouped by their first digits, so a lookup probes only lengths that exist there


@cache
def _carrier_prefixes() -> tuple[dict[str, str], dict[str, tuple[int, ...]], tuple[int, ...]]:
    """phonenumbers' carrier data as digit prefix -> our code, the prefix lengths under each head, the short lengths."""
    # Loaded on first use: importing the data takes ~0.3 s, which a process that never falls back should not pay.
    from phonenumbers.carrierdata import CARRIER_DATA

    found: dict[str, str] = {}
    heads: dict[str, set[int]] = {}
    for prefix, names in CARRIER_DATA.items():
        name = names.get("en", "")
        if name:
            found[prefix] = _CARRIERS.get(name.casefold(), "other")
            if len(prefix) >= HEAD:
                heads.setdefault(prefix[:HEAD], set()).add(len(prefix))
    short = tuple(sorted({len(p) for p in found if len(p) < HEAD}, reverse=True))
    return found, {head: tuple(sorted(lengths, reverse=True)) for head, lengths in heads.items()}, short


def lookup_carrier(e164: str) -> str | None:
    """The operator phonenumbers' carrier data gives by longest prefix (a dict probe per existing length), or None."""
    prefixes, heads, short = _carrier_prefixes()
    digits = e164[1:]
    for length in heads.get(digits[:HEAD], ()) + short:
        if length <= len(digits):
            code = prefixes.get(digits[:length])
            if code is not None:
                return code
    return None
