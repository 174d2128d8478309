"""The streaming .xlsx writer: neutralised cells, sheet split, read back with openpyxl."""

from datetime import datetime
from pathlib import Path

import openpyxl

from communicator.xlsx import SheetWriter, neutralise_cell


def test_formula_like_text_is_neutralised() -> None:
    for text in ("=1+1", "+7916+1", "+SUM(A1)", "-5", "@SUM(A1)", "\tx", "\rx", "+79161234567\n=1"):
        assert neutralise_cell(text) == "'" + text
    assert neutralise_cell("+79161234567") == "+79161234567"  # a phone number stays as it is
    assert neutralise_cell("привет") == "привет"
    assert neutralise_cell(5) == 5


def test_rows_split_into_sheets_and_read_back(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    with SheetWriter(target, ["n", "text", "at"], sheet_name="Сообщения", sheet_rows=3) as writer:
        for n in range(5):
            writer.write_row([n, f"=HYPERLINK({n})", datetime(2026, 1, 2, 3, 4, 5)])
    book = openpyxl.load_workbook(target, read_only=True)
    assert book.sheetnames == ["Сообщения", "Сообщения 2", "Сообщения 3"]
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    assert rows.count(("n", "text", "at")) == 3
    data = [row for row in rows if row[0] != "n"]
    assert [row[0] for row in data] == [0, 1, 2, 3, 4]
    assert all(row[1].startswith("'=HYPERLINK") for row in data)
    assert data[0][2] == datetime(2026, 1, 2, 3, 4, 5)


def test_an_empty_export_still_has_its_header(tmp_path: Path) -> None:
    target = tmp_path / "empty.xlsx"
    SheetWriter(target, ["a", "b"]).close()
    sheet = openpyxl.load_workbook(target, read_only=True).worksheets[0]
    assert list(sheet.iter_rows(values_only=True)) == [("a", "b")]


def test_texts_xml_cannot_carry_and_every_cell_type_read_back(tmp_path: Path) -> None:
    target = tmp_path / "types.xlsx"
    hostile = ["a\x00b\x1fc\ud800", "<t>&amp;</t> \"q\" 'a'", "строка 1\r\nстрока 2", "  пробелы  ", ""]
    with SheetWriter(target, ["text", "bool", "float", "none", "int"]) as writer:
        for text in hostile:
            writer.write_row([text, True, 2.5, None, 2**53])
    sheet = openpyxl.load_workbook(target).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [row[0] for row in rows] == ["abc", "<t>&amp;</t> \"q\" 'a'", "строка 1\r\nстрока 2", "  пробелы  ", None]
    assert rows[0][1:] == [True, 2.5, None, 2**53]


def test_a_repeated_text_keeps_its_own_neutralisation(tmp_path: Path) -> None:
    target = tmp_path / "memo.xlsx"
    with SheetWriter(target, ["a", "b"]) as writer:
        for _ in range(3):
            writer.write_row(["=1+1", "+79161234567"])
    rows = list(openpyxl.load_workbook(target, read_only=True).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert rows == [("'=1+1", "+79161234567")] * 3
