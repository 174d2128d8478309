"""Writing .xlsx files in constant memory, with formula injection neutralised. See docs/xlsx.md."""

from communicator.xlsx.writer import FORMULA_STARTS, MAX_SHEET_ROWS, SheetWriter, neutralise_cell

__all__ = ["FORMULA_STARTS", "MAX_SHEET_ROWS", "SheetWriter", "neutralise_cell"]
