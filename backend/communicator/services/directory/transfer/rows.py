"""Reading the table: which column is which, and each row's cells as checked values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from communicator.services.directory.transfer.columns import REQUIRED, get_column_key, parse_bool, read_cell, split_tags
from communicator.services.directory.transfer.group_paths import AmbiguousGroup, GroupResolver
from communicator.services.directory.transfer.problems import Problems
from communicator.services.directory.transfer.read_file import Table
from communicator.sms.phones import InvalidPhone, normalize_phone
from communicator.sms.tags import normalize_tag

# The limits of the columns (and of schemas/types.py): name, position, e-mail 200; operator 40; a tag 100.
_LIMITS = {"name": 200, "position": 200, "email": 200, "operator": 40, "groups": 4000, "tags": 4000, "phone": 40}
_TAG = re.compile(r"^#?[\w-]{1,100}$")


@dataclass
class Row:
    """A valid data row: the employee's phone and the checked value of every column the file has."""

    number: int
    phone: str
    values: dict[str, Any]


def read_header(table: Table, problems: Problems) -> list[str | None]:
    """Each column's key (None: a blank header, its column ignored); an unknown or repeated one is a problem."""
    keys: list[str | None] = []
    for header in table.header:
        text = read_cell(header)
        key = get_column_key(text) if text else None
        if text and key is None:
            problems.add(1, "column", text, "unknown_column")
        elif key is not None and key in keys:
            problems.add(1, "column", text, "duplicate_column")
            key = None
        keys.append(key)
    for key in REQUIRED:
        if key not in keys:
            problems.add(1, key, None, "missing_column")
    return keys


def read_rows(table: Table, keys: list[str | None], groups: GroupResolver, problems: Problems) -> list[Row]:
    """The rows whose every cell is valid and whose phone appears once; the others become problems."""
    rows: list[Row] = []
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        before = len(problems.items)
        values: dict[str, Any] = {}
        for key, cell in zip(keys, cells + [""] * (len(keys) - len(cells)), strict=False):
            if key is not None:
                values[key] = _read_value(key, read_cell(cell), number, groups, problems)
        phone = values.get("phone")
        if phone and phone in first_row:
            problems.add(number, "phone", phone, "duplicate_phone", other=first_row[phone])
        elif phone:
            first_row[phone] = number
        if len(problems.items) == before and phone:
            rows.append(Row(number, phone, values))
    return rows


def _read_value(key: str, text: str, row: int, groups: GroupResolver, problems: Problems) -> Any:
    """One cell's checked value (None when empty or refused: a refusal is noted in `problems`)."""
    if len(text) > _LIMITS.get(key, 200):
        problems.add(row, key, text, "too_long", limit=_LIMITS.get(key, 200))
        return None
    if not text:
        if key in REQUIRED:
            problems.add(row, key, None, "required")
        return [] if key in ("groups", "tags") else None
    return _READERS[key](text, row, key, groups, problems)


def _phone(text: str, row: int, key: str, groups: GroupResolver, problems: Problems) -> str | None:
    """The E.164 form of the number."""
    try:
        return normalize_phone(text)
    except InvalidPhone:
        problems.add(row, key, text, "invalid_phone")
        return None


def _active(text: str, row: int, key: str, groups: GroupResolver, problems: Problems) -> bool | None:
    """Yes or no."""
    value = parse_bool(text)
    if value is None:
        problems.add(row, key, text, "invalid_active")
    return value


def _groups(text: str, row: int, key: str, groups: GroupResolver, problems: Problems) -> list[str]:
    """The group path keys."""
    try:
        return groups.resolve(text)
    except AmbiguousGroup as refused:
        problems.add(row, key, refused.path, refused.code, limit=200)
        return []


def _tags(text: str, row: int, key: str, groups: GroupResolver, problems: Problems) -> list[str]:
    """The tags, normalised (sms/tags.normalize_tag), sorted, each once."""
    bad = [tag for tag in split_tags(text) if not _TAG.fullmatch(tag)]
    if bad:
        problems.add(row, key, text, "invalid_tag", tag=bad[0])
        return []
    return sorted({normalize_tag(tag) for tag in split_tags(text)})


def _text(text: str, row: int, key: str, groups: GroupResolver, problems: Problems) -> str:
    """Free text as given (read_cell trimmed its outer spaces)."""
    return text


_READERS = {
    "phone": _phone,
    "name": _text,
    "position": _text,
    "email": _text,
    "operator": _text,
    "active": _active,
    "groups": _groups,
    "tags": _tags,
}
