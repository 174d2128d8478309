"""The import's error report: «строка 17: телефон «8-916-12» — неверный номер», in Russian or English."""

from __future__ import annotations

from typing import Any

from communicator.schemas.directory_transfer import ImportProblem, TransferLanguage
from communicator.services.directory.transfer.columns import BY_KEY

_ROW = {"ru": "строка", "en": "row"}
_COLUMN = {"ru": "столбец", "en": "column"}
_PROBLEMS = {
    "invalid_phone": ("неверный номер", "invalid number"),
    "duplicate_phone": ("уже есть в строке {other}", "already in row {other}"),
    "required": ("не заполнено", "is empty"),
    "too_long": ("длиннее {limit} символов", "longer than {limit} characters"),
    "invalid_active": ("ожидается «да» или «нет»", "expected «yes» or «no»"),
    "invalid_tag": ("неверный тег «{tag}»", "invalid tag «{tag}»"),
    "ambiguous_group": ("групп с таким путём несколько", "several groups have this path"),
    "unknown_column": ("неизвестный столбец", "unknown column"),
    "duplicate_column": ("столбец повторяется", "the column repeats"),
    "missing_column": ("нет такого столбца", "no such column"),
}
# A value longer than this is cut in the sentence (the report must stay readable).
_SHOWN = 80


class Problems:
    """The problems found so far, as sentences in one language."""

    def __init__(self, lang: TransferLanguage) -> None:
        self.lang = lang
        self.items: list[ImportProblem] = []

    def add(self, row: int, column: str, value: str | None, code: str, **params: Any) -> None:
        """Note a problem with a cell (column: a column key, or "column" for a header cell)."""
        label = _COLUMN[self.lang] if column == "column" else BY_KEY[column].label(self.lang)
        shown = value if value is None or len(value) <= _SHOWN else value[:_SHOWN] + "…"
        subject = label if not shown else f"{label} «{shown}»"
        ru, en = _PROBLEMS[code]
        text = (ru if self.lang == "ru" else en).format(**params)
        message = f"{_ROW[self.lang]} {row}: {subject} — {text}"
        self.items.append(ImportProblem(row=row, column=column, value=value, code=code, message=message))
