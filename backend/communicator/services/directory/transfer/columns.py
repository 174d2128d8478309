"""The directory file's columns: headers in both languages, how values are written and read back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from communicator.schemas.directory_transfer import TransferLanguage
from communicator.xlsx import FORMULA_STARTS, neutralise_cell


@dataclass(frozen=True)
class Column:
    """One column: its key, its header and the word its problems name it by, per language."""

    key: str
    header_ru: str
    header_en: str
    label_ru: str
    label_en: str

    def header(self, lang: TransferLanguage) -> str:
        """The header cell in this language."""
        return self.header_ru if lang == "ru" else self.header_en

    def label(self, lang: TransferLanguage) -> str:
        """The column as a problem names it («телефон»)."""
        return self.label_ru if lang == "ru" else self.label_en


COLUMNS = (
    Column("phone", "Телефон", "Phone", "телефон", "phone"),
    Column("name", "ФИО", "Name", "ФИО", "name"),
    Column("position", "Должность", "Position", "должность", "position"),
    Column("email", "E-mail", "E-mail", "e-mail", "e-mail"),
    Column("active", "Активен", "Active", "активен", "active"),
    Column("groups", "Группы", "Groups", "группы", "groups"),
    Column("tags", "Теги", "Tags", "теги", "tags"),
    Column("operator", "Оператор", "Operator", "оператор", "operator"),
)
BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED = ("phone", "name")
# A header cell matches a column by its Russian or English header or its key, in any case.
_HEADERS = {
    alias.casefold(): column.key
    for column in COLUMNS
    for alias in (column.header_ru, column.header_en, column.key, column.label_ru)
} | {"имя": "name", "телефон": "phone", "подписки (теги)": "tags"}

GROUP_SEPARATOR = ", "
PATH_SEPARATOR = " / "
_YES = {"да", "д", "yes", "y", "true", "1", "+", "истина"}
_NO = {"нет", "н", "no", "n", "false", "0", "-", "ложь"}
_WORDS = {"ru": ("да", "нет"), "en": ("yes", "no")}
_TAG_SPLIT = re.compile(r"[\s,;]+")
_AROUND_SEPARATORS = re.compile(r"\s*([,/])\s*")


def get_column_key(header: str) -> str | None:
    """The column a header cell names, or None when it names none."""
    return _HEADERS.get(" ".join(header.split()).casefold())


def format_bool(value: bool, lang: TransferLanguage) -> str:
    """«да»/«нет» (yes/no)."""
    yes, no = _WORDS[lang]
    return yes if value else no


def parse_bool(text: str) -> bool | None:
    """True/False for the usual spellings of yes and no in either language; None for anything else."""
    word = text.strip().casefold()
    if word in _YES:
        return True
    return False if word in _NO else None


def format_tags(tags: list[str]) -> str:
    """Tags as the file shows them: «#авария #1234»."""
    return " ".join(f"#{tag}" for tag in tags)


def split_tags(text: str) -> list[str]:
    """The tags of a cell, split on spaces, commas or semicolons (each still to be validated)."""
    return [piece for piece in _TAG_SPLIT.split(text) if piece]


def format_cell(value: str) -> str:
    """A text cell as written to a file: a formula-like text is neutralised (docs/xlsx.md)."""
    return str(neutralise_cell(value))


def read_cell(text: str) -> str:
    """A cell as read from a file: an apostrophe a neutralised cell got comes off again; outer spaces too."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return text.strip()


def path_key(path: str) -> str:
    """A group path as paths are compared: any case, any spacing around words, «,» and «/»."""
    return _AROUND_SEPARATORS.sub(r"\1", " ".join(path.split())).casefold()
