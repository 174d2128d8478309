"""The SpreadsheetML a workbook is made of: fixed package parts, sheet framing and one row's XML (ECMA-376)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Characters XML 1.0 cannot carry at all (an SMS may hold them); they are dropped from the text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug already folded in)
_DAY = timedelta(days=1)
DATE_STYLE = 1  # the cellXfs index of "yyyy-mm-dd hh:mm:ss" in STYLES

ROOT_RELS = (
    f'{HEAD}<Relationships xmlns="{PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
STYLES = (
    f'{HEAD}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/>'
    "</font></fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
HEADER_STYLE = 2


def content_types(sheets: int) -> str:
    """[Content_Types].xml for a workbook of `sheets` sheets."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_DOC}.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_DOC}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_DOC}.styles+xml"/>{overrides}</Types>'
    )


def workbook(names: list[str]) -> str:
    """xl/workbook.xml listing the sheets by name."""
    sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1))
    return f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{sheets}</sheets></workbook>'


def workbook_rels(sheets: int) -> str:
    """xl/_rels/workbook.xml.rels: each sheet, then the styles."""
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    styles = f'<Relationship Id="rId{sheets + 1}" Type="{REL}/styles" Target="styles.xml"/>'
    return f'{HEAD}<Relationships xmlns="{PKG_REL}">{links}{styles}</Relationships>'


def sheet_start(columns: int) -> str:
    """A sheet's opening up to its first row: the header row frozen, columns wide enough to read."""
    return (
        f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f'<cols><col min="1" max="{max(columns, 1)}" width="20" customWidth="1"/></cols><sheetData>'
    )


SHEET_END = "</sheetData></worksheet>"


def text_xml(value: str) -> str:
    """A text as XML character data."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class RowFormatter:
    """Rows as XML; a text seen before (a status, a name, a group send's text) reuses its whole cell.

    Cells carry no reference ("B7"): the format allows that (each cell is the one after the previous), Excel,
    LibreOffice and openpyxl read it, and a million rows format faster with cells that can be reused whole.
    """

    def __init__(self, neutralise: Callable[[str], str], memo_size: int = 50_000) -> None:
        self._neutralise = neutralise
        self.memo: dict[str, str] = {}
        self._memo_size = memo_size

    def row(self, number: int, values: Sequence[object], style: int = 0) -> str:
        """One <row>: text inline, numbers as numbers, naive datetimes as Excel dates, None as an empty cell."""
        return f'<row r="{number}">{self.cells(values, style)}</row>'

    def cells(self, values: Sequence[object], style: int = 0) -> str:
        """A row's cells."""
        texts: dict[Any, str] = self.memo if style == 0 else {}
        cells: list[str] = []
        append = cells.append
        for value in values:
            kind = type(value)
            if kind is str:
                append(texts.get(value) or self._text_cell(str(value), style))
            elif value is None:
                append(EMPTY)
            elif kind is datetime:
                append(date_cell(value))  # type: ignore[arg-type]
            elif kind is int:
                append(f"<c><v>{value}</v></c>")
            else:
                append(self._other(value))
        return "".join(cells)

    def text(self, value: str) -> str:
        """A plain text cell."""
        return self.memo.get(value) or self._text_cell(value, 0)

    def _text_cell(self, value: str, style: int) -> str:
        """A text cell (an empty text is an empty cell); remembered for the plain style."""
        cell = (
            EMPTY
            if not value
            else (
                f'<c t="inlineStr" s="{style}"><is><t xml:space="preserve">{text_xml(self._neutralise(value))}</t></is></c>'
            )
        )
        if style == 0:
            if len(self.memo) >= self._memo_size:
                self.memo.clear()  # a bounded memo: the common texts come back soon enough
            self.memo[value] = cell
        return cell

    def _other(self, value: object) -> str:
        """A cell of a rarer type: a bool, a float or number subclass, else the value's text."""
        if isinstance(value, bool):
            return f'<c t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int | float):
            return f"<c><v>{int(value) if isinstance(value, int) else float(value)!r}</v></c>"
        return self._text_cell(str(value), 0)


EMPTY = "<c/>"


def date_cell(value: datetime | None) -> str:
    """A (naive, wall-clock) datetime as an Excel date cell."""
    return EMPTY if value is None else f'<c s="{DATE_STYLE}"><v>{_serial(value)!r}</v></c>'


def number_cell(value: int) -> str:
    """An integer cell."""
    return f"<c><v>{value}</v></c>"


def _serial(value: datetime) -> float:
    """A datetime as Excel's day number (a zone, if any, is dropped: callers pass wall-clock times)."""
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return (value - _EPOCH) / _DAY
