"""A streaming .xlsx writer: constant memory, a new sheet when one is full, no cell read as a formula.

The sheet XML is written straight into the zip entry as rows come (docs/xlsx.md says why not XlsxWriter).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from communicator.xlsx import parts

# Excel's own row limit per sheet (header included).
MAX_SHEET_ROWS = 1_048_576
# A sheet's XML is kept under zipfile's 2 GiB entry limit without Zip64 (which some Excel versions refuse).
MAX_SHEET_BYTES = 2_000_000_000
# A text starting with one of these is a formula, or becomes one when the user edits the cell (DDE, =HYPERLINK).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone number in E.164 ("+79161234567") starts with "+" but is inert: exports are full of them.
_PHONE = re.compile(r"\+\d{6,15}")
_FLUSH_CHARS = 1 << 20  # rows are joined and compressed about a megabyte at a time
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

Cell = str | int | float | datetime | None


def neutralise_cell(value: Cell) -> Cell:
    """The value as Excel should show it: a text that could run as a formula gets a leading apostrophe."""
    return _neutralise_text(value) if isinstance(value, str) else value


def _neutralise_text(value: str) -> str:
    """neutralise_cell for a text."""
    if value.startswith(FORMULA_STARTS) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


class SheetWriter:
    """Rows into one workbook: a header on every sheet, a new sheet every `sheet_rows` rows (header included)."""

    def __init__(
        self, target: Path | IO[bytes], header: list[str], sheet_name: str = "Sheet", sheet_rows: int = MAX_SHEET_ROWS
    ) -> None:
        if sheet_rows < 2:
            raise ValueError("a sheet holds the header and at least one row")
        # Level 1: a million rows compress 3× faster than at the default level, for a file about 20% larger.
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._header = header
        self.cells = parts.RowFormatter(_neutralise_text)
        self._sheet_name = _SHEET_NAME_BAD.sub(" ", sheet_name)
        self._sheet_rows = sheet_rows
        self._names: list[str] = []
        self._entry: IO[bytes] | None = None
        self._pending: list[str] = []
        self._pending_chars = 0
        self._sheet_bytes = 0
        self._row = 0
        self.rows = 0

    @property
    def sheets(self) -> int:
        """How many sheets were started."""
        return len(self._names)

    def write_row(self, values: list[Cell]) -> None:
        """Append one row, opening a new sheet first when the current one is full."""
        self.write_rows([values])

    def write_rows(self, rows: Iterable[Sequence[Cell]]) -> None:
        """Append rows in order, opening new sheets as they fill."""
        self.write_cells(self.cells.cells(values) for values in rows)

    def write_cells(self, rows: Iterable[str]) -> None:
        """Append rows given as their cells' XML (built with `self.cells`), opening new sheets as they fill."""
        written = 0
        for cells in rows:
            if self._entry is None or self._row >= self._sheet_rows or self._sheet_bytes > MAX_SHEET_BYTES:
                self._open_sheet()
            self._row += 1
            written += 1
            xml = f'<row r="{self._row}">{cells}</row>'
            self._pending.append(xml)
            self._pending_chars += len(xml)
            if self._pending_chars >= _FLUSH_CHARS:
                self._flush()
        self.rows += written

    def close(self) -> None:
        """Finish the file (a workbook with no rows still gets its header sheet)."""
        if self._entry is None:
            self._open_sheet()
        self._close_sheet()
        count = len(self._names)
        self._zip.writestr("[Content_Types].xml", parts.content_types(count))
        self._zip.writestr("_rels/.rels", parts.ROOT_RELS)
        self._zip.writestr("xl/workbook.xml", parts.workbook(self._names))
        self._zip.writestr("xl/_rels/workbook.xml.rels", parts.workbook_rels(count))
        self._zip.writestr("xl/styles.xml", parts.STYLES)
        # Listed first in the zip's directory, as office suites write it (its bytes come last: rows streamed first).
        self._zip.filelist.sort(key=lambda info: info.filename != "[Content_Types].xml")
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _open_sheet(self) -> None:
        """A new sheet with the header row: «Name», «Name 2», …"""
        self._close_sheet()
        number = len(self._names) + 1
        self._names.append((self._sheet_name if number == 1 else f"{self._sheet_name} {number}")[:31])
        self._entry = self._zip.open(f"xl/worksheets/sheet{number}.xml", "w")
        self._sheet_bytes = 0
        self._row = 1
        self._add(parts.sheet_start(len(self._header)))
        self._add(self.cells.row(1, self._header, parts.HEADER_STYLE))

    def _close_sheet(self) -> None:
        """End the open sheet's XML and its zip entry."""
        if self._entry is None:
            return
        self._add(parts.SHEET_END)
        self._flush()
        self._entry.close()
        self._entry = None

    def _add(self, xml: str) -> None:
        """Queue XML for the open sheet, writing it out a megabyte at a time."""
        self._pending.append(xml)
        self._pending_chars += len(xml)
        if self._pending_chars >= _FLUSH_CHARS:
            self._flush()

    def _flush(self) -> None:
        """Write the queued XML into the sheet's zip entry."""
        if self._entry is None or not self._pending:
            return
        data = "".join(self._pending).encode("utf-8", "replace")
        self._entry.write(data)
        self._sheet_bytes += len(data)
        self._pending, self._pending_chars = [], 0
