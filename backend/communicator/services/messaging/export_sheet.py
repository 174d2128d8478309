"""Export rows as sheet XML, straight from the database's values (docs/exports.md).

A million rows are mostly repeats: the same employee's name and groups, a group send's text on each recipient's
row, a few statuses. So the cells are built once per message, once per employee and once per distinct text,
and a row is their concatenation with the few cells of its own (recipient, status, delivered at).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from communicator.services.messaging.export_rows import DIRECTIONS, STATUSES, RowContext, local_time
from communicator.sms.tags import extract_tags
from communicator.xlsx import SheetWriter
from communicator.xlsx.parts import EMPTY, RowFormatter, date_cell, number_cell


class ExportSheet:
    """Turns export rows (select_export_rows' columns, in order) into rows of the sheet."""

    def __init__(self, context: RowContext, cells: RowFormatter) -> None:
        self.context = context
        self.cells = cells
        self._people: dict[int | None, str] = {None: EMPTY + EMPTY}
        self._statuses = {status: cells.text(label) for status, label in STATUSES.items()} | {None: EMPTY}
        self._short_number = cells.text(context.short_number)
        self._offsets: dict[str, timedelta] = {}
        self._message: tuple[int, str, str] = (0, "", "")
        self._texts = cells.memo  # read directly: the cells of most texts are found there

    def write(self, writer: SheetWriter, rows: Sequence[Any]) -> None:
        """A batch of rows into the workbook (run in a worker thread: this is CPU work)."""
        writer.write_cells([self.row(row) for row in rows])

    def row(self, row: Sequence[Any]) -> str:
        """One row's cells, in HEADER order; an inbound sender outside the reach stays anonymous."""
        message_id, direction, _, _, _, _, _, _, phone, status, delivered_at, employee_id = row
        reach = self.context.reach
        if not (reach.everyone or reach.sees_employee(employee_id)):
            employee_id = None
        if self._message[0] != message_id:
            self._message = (message_id, *self._message_cells(row, employee_id))
        _, head, tail = self._message
        recipient = (self._texts.get(phone) or self.cells.text(phone)) if direction == "out" else self._short_number
        people = self._people.get(employee_id) or self._person(employee_id)
        return f"{head}{recipient}{people}{tail}{self._statuses[status]}{self.date(delivered_at)}"

    def _message_cells(self, row: Sequence[Any], employee_id: int | None) -> tuple[str, str]:
        """A message's cells before the recipient (date, direction, from) and after the groups (tags, text, parts)."""
        _, direction, text, parts, created_at, sender_phone, author_id, *_ = row
        sender: str | None
        if direction == "out":
            sender = self.context.authors.get(author_id) or self.context.short_number
        else:
            sender = sender_phone if employee_id is not None or self.context.reach.everyone else None
        tags = " ".join(f"#{tag}" for tag in extract_tags(text)) if "#" in text else ""
        head = self.date(created_at) + self.cells.text(DIRECTIONS[direction])
        head += self.cells.text(sender) if sender is not None else EMPTY
        return head, f"{self.cells.text(tags)}{self.cells.text(text)}{number_cell(parts)}"

    def _person(self, employee_id: int | None) -> str:
        """An employee's name and groups cells."""
        name = self.context.employees.get(employee_id) if employee_id is not None else None
        groups = self.context.groups.get(employee_id, "") if employee_id is not None else ""
        cells = (self.cells.text(name) if name is not None else EMPTY) + self.cells.text(groups)
        self._people[employee_id] = cells
        return cells

    def date(self, stored: str | datetime | None) -> str:
        """A stored time's date cell (EMPTY for None)."""
        return EMPTY if stored is None else date_cell(self.wall_clock(stored))

    def wall_clock(self, stored: str | datetime | None) -> datetime | None:
        """A stored UTC time (SQLite's text or PostgreSQL's datetime) as the account's naive wall-clock time."""
        if stored is None:
            return None
        if isinstance(stored, datetime):
            return local_time(stored, self.context.zone)
        value = datetime.fromisoformat(stored)
        if value.tzinfo is not None:
            return local_time(value, self.context.zone)
        # Zones change their offset on the hour (UTC), so one offset serves a whole hour of stored times.
        offset = self._offsets.get(stored[:13])
        if offset is None:
            local = value.replace(tzinfo=UTC).astimezone(self.context.zone)
            offset = self._offsets[stored[:13]] = local.utcoffset() or timedelta(0)
        return value + offset
