"""Writing .xlsx files in constant memory, with formula injection neutralised. See docs/xlsx.md."""

from communicator.xlsx.writer import MAX_SHEET_ROWS, SheetWriter, neutralise_cell

__all__ = ["MAX_SHEET_ROWS", "SheetWriter", "neutralise_cell"]
