"""A streaming .xlsx writer: constant memory, a new sheet when one is full, no cell read as a formula."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import xlsxwriter

# Excel's own row limit per sheet (header included).
MAX_SHEET_ROWS = 1_048_576
# A text starting with one of these is a formula, or becomes one when the user edits the cell (DDE, =HYPERLINK).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone number in E.164 ("+79161234567") starts with "+" but is inert: exports are full of them.
_PHONE = re.compile(r"\+\d{6,15}")

Cell = str | int | float | datetime | None


def neutralise_cell(value: Cell) -> Cell:
    """The value as Excel should show it: a text that could run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


class SheetWriter:
    """Rows into one workbook: a header on every sheet, a new sheet every `sheet_rows` rows (header included)."""

    def __init__(
        self, target: Path | IO[bytes], header: list[str], sheet_name: str = "Sheet", sheet_rows: int = MAX_SHEET_ROWS
    ) -> None:
        if sheet_rows < 2:
            raise ValueError("a sheet holds the header and at least one row")
        # constant_memory streams each finished row to a temp file; strings_to_formulas off so no text is a formula.
        options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        self._book = xlsxwriter.Workbook(target, options)
        self._header = header
        self._sheet_name = sheet_name
        self._sheet_rows = sheet_rows
        self._dates = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._sheet: Any = None
        self._row = 0
        self.sheets = 0
        self.rows = 0

    def write_row(self, values: list[Cell]) -> None:
        """Append one row, opening a new sheet first when the current one is full."""
        if self._sheet is None or self._row >= self._sheet_rows:
            self._open_sheet()
        for column, value in enumerate(values):
            self._write_cell(self._sheet, column, neutralise_cell(value))
        self._row += 1
        self.rows += 1

    def close(self) -> None:
        """Finish the file (a workbook with no rows still gets its header sheet)."""
        if self._sheet is None:
            self._open_sheet()
        self._book.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _open_sheet(self) -> None:
        """A new sheet with the header row: «Name», «Name 2», …"""
        self.sheets += 1
        name = self._sheet_name if self.sheets == 1 else f"{self._sheet_name} {self.sheets}"
        self._sheet = self._book.add_worksheet(name[:31])
        for column, title in enumerate(self._header):
            self._sheet.write_string(0, column, title)
        self._row = 1

    def _write_cell(self, sheet: Any, column: int, value: Cell) -> None:
        """One cell by its type: text always as text, dates as Excel dates (naive, as given)."""
        if value is None:
            return
        if isinstance(value, datetime):
            sheet.write_datetime(self._row, column, value.replace(tzinfo=None), self._dates)
        elif isinstance(value, str):
            sheet.write_string(self._row, column, value)
        else:
            sheet.write_number(self._row, column, value)
