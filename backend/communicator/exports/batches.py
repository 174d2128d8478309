"""Where an export's rows come from, a keyset batch at a time, and how each batch reaches the sheet.

On the embedded SQLite database a batch is read by the sqlite3 module and written to the sheet in one worker
thread: a million rows then cost neither an event-loop hop per batch nor SQLAlchemy's row handling (about a
third of the export's time). On PostgreSQL the rows come through the read session and are written in a thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Protocol
from urllib.parse import quote

from sqlalchemy import literal_column
from sqlalchemy.engine import make_url

from communicator.db.session import Database
from communicator.services.messaging.export_rows import Key, Rows, after_key, row_key
from communicator.services.messaging.export_sheet import ExportSheet
from communicator.xlsx import SheetWriter


class Batches(Protocol):
    """Copies the rows after a key into the sheet: how many, and the key after them."""

    async def copy(self, key: Key, sheet: ExportSheet, writer: SheetWriter) -> tuple[int, Key]: ...

    def close(self) -> None: ...


class SessionBatches:
    """Rows through the read session (PostgreSQL, or a database without a file)."""

    def __init__(self, db: Database, query: Rows, limit: int) -> None:
        self.db = db
        self.query = query
        self.limit = limit

    async def copy(self, key: Key, sheet: ExportSheet, writer: SheetWriter) -> tuple[int, Key]:
        """Read a batch, then write it in a worker thread."""
        async with self.db.read() as session:
            connection = await session.connection()  # Core rows: a million of them skip the ORM's row handling
            rows = (await connection.execute(after_key(self.query, key).limit(self.limit))).all()
        if not rows:
            return 0, key
        await asyncio.to_thread(sheet.write, writer, rows)
        return len(rows), row_key(rows[-1])

    def close(self) -> None:
        """Nothing held."""


class SqliteBatches:
    """Rows read by the sqlite3 module, read-only, in the worker thread that writes them."""

    def __init__(self, path: str, db: Database, query: Rows, limit: int) -> None:
        after = after_key(query, (literal_column(":message_id"), literal_column(":delivery_id"))).limit(limit)
        # Every other value is ours (ids, dates, the search's MATCH text), rendered and quoted by the dialect.
        dialect = db.read_engine.dialect
        self.sql = str(after.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        self.connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False)

    async def copy(self, key: Key, sheet: ExportSheet, writer: SheetWriter) -> tuple[int, Key]:
        """Read and write one batch in a worker thread."""
        return await asyncio.to_thread(self._copy, key, sheet, writer)

    def _copy(self, key: Key, sheet: ExportSheet, writer: SheetWriter) -> tuple[int, Key]:
        """The thread's part: a read transaction of its own, then the rows into the sheet."""
        rows = self.connection.execute(self.sql, {"message_id": key[0], "delivery_id": key[1]}).fetchall()
        if not rows:
            return 0, key
        sheet.write(writer, rows)
        return len(rows), row_key(rows[-1])

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def open_batches(db: Database, query: Rows, limit: int) -> Batches:
    """The fastest way to the rows this database offers."""
    path = make_url(db.url).database if db.is_sqlite else None
    if path and path != ":memory:" and not path.startswith("file:"):
        return SqliteBatches(path, db, query, limit)
    return SessionBatches(db, query, limit)
