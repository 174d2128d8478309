"""A CSV or XLSX file as rows of text cells, numbered as Excel numbers them; hostile files refused early."""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from communicator.schemas.directory_transfer import TransferFormat
from communicator.services.core.errors import InvalidInput

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Applying goes row by row through the directory services (events, audit): a bigger directory comes in parts.
MAX_IMPORT_ROWS = 2_000
MAX_COLUMNS = 50
# A zip bomb: a small .xlsx whose parts unpack to gigabytes.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
# What openpyxl and zipfile raise on a damaged or foreign zip (a missing part, bad XML, bad compression).
_DAMAGED = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    OSError,
    ParseError,
    zlib.error,
)


@dataclass
class Table:
    """The header row and the non-blank data rows, each with its row number (the header is row 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def read_table(data: bytes, fmt: TransferFormat | None) -> Table:
    """The file's first sheet as text cells; its format from `fmt` or, when None, from its first bytes."""
    if len(data) > MAX_IMPORT_BYTES:
        limit = MAX_IMPORT_BYTES // (1024 * 1024)
        raise InvalidInput(f"The file is larger than {limit} MB.", {"limit_mb": limit}, code="import_too_large")
    if not data.strip():
        raise InvalidInput("The file is empty.", code="import_empty")
    is_zip = data.startswith(_ZIP_MAGIC)
    if fmt == "xlsx" and not is_zip:
        raise InvalidInput("The file is not an .xlsx workbook.", code="import_not_xlsx")
    table = _read_xlsx(data) if is_zip else _read_csv(data)
    if not any(table.header):
        raise InvalidInput("The first row holds no column headers.", code="import_no_header")
    return table


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else Windows-1251; broken UTF-8 is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        broken = error
    # Valid multi-byte UTF-8 sequences beside invalid bytes: a damaged UTF-8 file, not Windows-1251 text.
    lenient = data.decode("utf-8", errors="replace")
    if sum(1 for c in lenient if ord(c) > 127 and c != "\ufffd") > lenient.count("\ufffd"):
        raise InvalidInput(
            f"The file is not valid UTF-8 (byte {broken.start}).", {"byte": broken.start}, code="import_bad_encoding"
        )
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"The file is neither UTF-8 nor Windows-1251 text (byte {error.start}).",
            {"byte": error.start},
            code="import_bad_encoding",
        ) from None


def _read_csv(data: bytes) -> Table:
    """CSV rows; the separator (`;`, `,` or tab) is the one the header row uses most."""
    text = _decode(data)
    if "\x00" in text:
        raise InvalidInput("The file is binary, not CSV or XLSX.", code="import_not_text")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _collect(reader)
    except csv.Error as error:
        raise InvalidInput(
            f"The CSV cannot be read at row {reader.line_num}: {error}.",
            {"row": reader.line_num},
            code="import_bad_csv",
        ) from None


def _read_xlsx(data: bytes) -> Table:
    """The first sheet of a workbook, read in openpyxl's streaming mode."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNZIPPED_BYTES:
            raise InvalidInput("The workbook unpacks to too much data.", code="import_too_large")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # a stated size of A1:XFD1048576 must not pad every row to 16,384 cells
            return _collect(["" if v is None else _text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        finally:
            book.close()
    except _DAMAGED:
        raise InvalidInput("The file is not a readable .xlsx workbook.", code="import_not_xlsx") from None


def _text(value: Any) -> str:
    """An Excel value as the text it shows: a phone typed as a number keeps its digits."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _collect(rows: Any) -> Table:
    """The header and the non-blank rows, refusing a file with too many rows or columns."""
    table: Table | None = None
    for number, cells in enumerate(rows, start=1):
        while cells and not str(cells[-1]).strip():
            cells = cells[:-1]
        if len(cells) > MAX_COLUMNS:
            raise InvalidInput(
                f"Row {number} has more than {MAX_COLUMNS} columns.", {"row": number}, code="import_too_many_columns"
            )
        if table is None:
            table = Table(header=[str(c) for c in cells])
        elif any(str(c).strip() for c in cells):
            if len(table.rows) >= MAX_IMPORT_ROWS:
                raise InvalidInput(
                    f"The file has more than {MAX_IMPORT_ROWS} rows.",
                    {"limit": MAX_IMPORT_ROWS},
                    code="import_too_many_rows",
                )
            table.rows.append((number, [str(c) for c in cells]))
    return table or Table(header=[])
