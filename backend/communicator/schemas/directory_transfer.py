"""Directory import/export: the preview (dry run) report and what an applied import did. See docs/directory-import.md."""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

TransferFormat = Literal["csv", "xlsx"]
TransferLanguage = Literal["ru", "en"]


class ImportProblem(Struct, kw_only=True):
    """One refused cell or row: «строка 17: телефон «8-916-12» — неверный номер»."""

    row: int  # as Excel numbers it: the header is row 1
    column: str | None  # the column's key (phone, name, …); None for the row or the file as a whole
    value: str | None
    code: str  # invalid_phone, duplicate_phone, required, too_long, invalid_tag, unknown_column, …
    message: str  # the whole sentence, in the requested language


class ImportFieldChange(Struct, kw_only=True):
    """One field of an existing employee that the import changes, as the file and the directory show it."""

    column: str
    before: str
    after: str


class ImportAdded(Struct, kw_only=True):
    """An employee the import adds."""

    row: int
    phone: str
    name: str


class ImportChanged(Struct, kw_only=True):
    """An existing employee (matched by phone) the import changes, field by field."""

    row: int
    employee_id: int
    phone: str
    name: str
    changes: list[ImportFieldChange]


class ImportReport(Struct, kw_only=True):
    """The dry run of an import, or what an applied one did; `plan` identifies exactly these changes."""

    rows: int  # data rows read (blank rows not counted)
    added: list[ImportAdded]
    changed: list[ImportChanged]
    unchanged: int
    new_groups: list[str]  # group paths («Склад / Ночная смена») the import creates
    errors: list[ImportProblem]
    plan: str  # a digest of the changes; pass it back on apply to refuse a plan gone stale
    applied: bool
