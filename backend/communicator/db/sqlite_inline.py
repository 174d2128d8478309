"""The SQLite writer without a thread: an aiosqlite look-alike that runs each call on the event loop's thread.

aiosqlite hands every call (cursor, execute, fetch, close: four per statement) to its own thread and back,
and each hand-over waits for a CPU and the GIL; on a busy machine that, not SQLite, is what a write costs.
A write statement in WAL mode takes microseconds, so the one writer connection runs them in place. Only
taking the write lock can wait (another process writing): BEGIN (and the pragmas when connecting) is retried
with an async sleep instead of SQLite's blocking busy timeout, so the loop never blocks on another process.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any, Self

BUSY_RETRY_SECONDS = 0.002
BUSY_GIVE_UP_SECONDS = 30.0


class _Inline:
    """aiosqlite's call queue, which SQLAlchemy uses to set isolation_level: run the call now."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        """Run the function and settle its future."""
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # noqa: BLE001 - handed to the awaiting caller, as aiosqlite does
            future.set_exception(error)


class InlineCursor:
    """An aiosqlite cursor's async surface over a sqlite3 cursor."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        """Run one statement; outside a transaction (BEGIN, the connect pragmas) wait out another writer's lock."""
        if self._cursor.connection.in_transaction:
            self._cursor.execute(sql, parameters)  # we hold the write lock: nothing to wait for
        else:
            await _when_unlocked(self._cursor, sql, parameters)
        return self

    async def executemany(self, sql: str, rows: Iterable[Any]) -> InlineCursor:
        """Run one statement for many rows."""
        self._cursor.executemany(sql, rows)
        return self

    async def fetchall(self) -> list[Any]:
        """Every remaining row."""
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        """The next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next rows."""
        return self._cursor.fetchmany(size) if size else self._cursor.fetchmany()

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


async def _when_unlocked(cursor: sqlite3.Cursor, sql: str, parameters: Any) -> None:
    """Run a statement, retried with an async sleep while another connection holds the lock (busy timeout 0)."""
    deadline = time.monotonic() + BUSY_GIVE_UP_SECONDS
    while True:
        try:
            cursor.execute(sql, parameters)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(BUSY_RETRY_SECONDS)


class InlineConnection:
    """An aiosqlite connection's async surface over a sqlite3 connection, with no thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection = connection
        self._tx = _Inline()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        """A cursor (SQLAlchemy enters it with `async with`)."""
        return InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        """Commit."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Roll back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close."""
        self._conn.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function."""
        self._conn.create_function(*args, **kwargs)


def inline_creator(path: str) -> Callable[[], Any]:
    """The `async_creator` for create_async_engine: a thread-free connection to the SQLite file."""

    async def connect() -> InlineConnection:
        """Open the file; busy waits happen in _when_unlocked, never inside SQLite."""
        connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection)

    return connect


class SqliteLookups:
    """A query-only connection for point lookups on the loop's thread (opened on first use)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None

    def get_one(self, sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The first row as a dict, or None; each statement is its own read transaction (a WAL snapshot)."""
        if self._conn is None:
            self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA query_only=ON")
        row = self._conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
