"""Engines and sessions: SQLite in WAL with one writer (BEGIN IMMEDIATE), or PostgreSQL.

A write session collects what must happen only once its transaction commits (events to publish, gateways
to wake) in an `AfterCommit`; `Database.write()` hands it over after the commit. A read session has none and
refuses INSERT, UPDATE, DELETE and flushes, so anything that changes state fails loudly under `read()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

import msgspec
from sqlalchemy import CursorResult, Executable, Table, event, insert, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session

from communicator.db.group_commit import GroupCommit
from communicator.db.sqlite_inline import SqliteLookups, inline_creator


def dialect_insert(session: AsyncSession, model: type):
    """An INSERT in the session's dialect, so it can take `.on_conflict_do_nothing()`."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


AFTER_COMMIT = "after_commit"
READ_ONLY = "This changes state and must run in db.write(); it was called in a read session."


class AfterCommit(msgspec.Struct):
    """What one write transaction hands over once it has committed."""

    events: list[Any] = msgspec.field(default_factory=list)
    wake_gateways: bool = False


def get_after_commit(session: AsyncSession) -> AfterCommit:
    """The write session's hand-over; under `read()` (or any session not from `write()`) a RuntimeError."""
    pending = session.info.get(AFTER_COMMIT)
    if pending is None:
        raise RuntimeError(READ_ONLY)
    return pending


def wake_gateways_after_commit(session: AsyncSession) -> None:
    """After this transaction commits, wake the gateways: it accepted deliveries."""
    get_after_commit(session).wake_gateways = True


class _ReadSession(Session):
    """The session behind `read()`: it refuses to write (the checks are the listeners below)."""


@event.listens_for(_ReadSession, "do_orm_execute")
def _refuse_statement(state: ORMExecuteState) -> None:
    """No INSERT, UPDATE or DELETE in a read session."""
    if state.is_insert or state.is_update or state.is_delete:
        raise RuntimeError(READ_ONLY)


@event.listens_for(_ReadSession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    """No added, changed or deleted rows in a read session."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(READ_ONLY)


def _configure_sqlite(engine: AsyncEngine, immediate: bool, busy_ms: int = 30000) -> None:
    """WAL, foreign keys, a busy timeout, and (for the writer) BEGIN IMMEDIATE."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        """Set the pragmas on every new connection."""
        # Take over transaction control from pysqlite so our BEGIN is the one used.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        """Open the transaction our way."""
        # IMMEDIATE takes the write lock up front, so a read-then-write never fails with BUSY.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The writer and reader session factories for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        # Set by the app (or the gateway process): where committed events and wake-ups go.
        self.on_commit: Callable[[list[Any]], None] = lambda _events: None
        self.on_wake: Callable[[], None] = lambda: None
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            # The one writer runs on the loop's thread (db/sqlite_inline.py); readers keep aiosqlite's threads.
            writer = inline_creator(make_url(url).database or "")
            self.engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=120, async_creator=writer)
            self.read_engine = create_async_engine(url, pool_size=8, max_overflow=8)
            _configure_sqlite(self.engine, immediate=True, busy_ms=0)
            _configure_sqlite(self.read_engine, immediate=False)
        else:
            self.engine = create_async_engine(url, pool_size=20, max_overflow=20)
            self.read_engine = self.engine
        self._lookups = SqliteLookups(make_url(url).database or "") if self.is_sqlite else None
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False, sync_session_class=_ReadSession)
        self.group_commit: GroupCommit[AfterCommit] = GroupCommit(self._writer, self._hand_over_batch)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write session shared with concurrent writers, each in its own savepoint (db/group_commit.py).

        Each writer collects into its own `AfterCommit`; it is handed over only after the shared commit,
        and dropped if this writer's savepoint rolls back.
        """
        pending = AfterCommit()
        async with self.group_commit.member(pending) as session:
            session.info[AFTER_COMMIT] = pending
            try:
                yield session
            finally:
                # The next writer in the batch gets its own; nobody may append to this one after its turn.
                del session.info[AFTER_COMMIT]

    def _hand_over_batch(self, kept: list[AfterCommit]) -> None:
        """Hand over a committed batch: every kept writer's events in turn order, one wake-up if any asked."""
        events = [item for pending in kept for item in pending.events]
        self.hand_over(AfterCommit(events, any(pending.wake_gateways for pending in kept)))

    def hand_over(self, pending: AfterCommit) -> None:
        """Publish a committed transaction's events and wake the gateways it asked for."""
        if pending.events:
            self.on_commit(pending.events)
        if pending.wake_gateways:
            self.on_wake()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only."""
        async with self._reader() as session, session.begin():
            yield session

    async def lookup_one(self, sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The first row of a point lookup by an index (plain SQL, named parameters), or None.

        For what runs on every request (an M2M credential): on SQLite it runs on the loop's thread, without
        a session, in microseconds.
        """
        if self._lookups is not None:
            return self._lookups.get_one(sql, params)
        async with self.read() as session:
            row = (await session.execute(text(sql), params)).mappings().first()
            return dict(row) if row is not None else None

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.read() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        if self._lookups is not None:
            self._lookups.close()


async def insert_returning_ids(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the rows with as few statements as the driver allows; their new ids, in the order of the rows."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite numbers the rows of an INSERT in order (the largest rowid + 1), and ours is the only writer.
        # SQLAlchemy cannot know that and, asked for ordered ids, would insert a row per statement.
        return sorted((await session.execute(insert(table).returning(table.c.id), rows)).scalars())
    ordered = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list((await session.execute(ordered, rows)).scalars())


async def execute_dml(session: AsyncSession, statement: Executable) -> int:
    """Run an UPDATE or DELETE; returns how many rows it touched."""
    result = await session.execute(statement)
    # Typed as Result, but a DML statement's result is a CursorResult, which has the row count.
    return cast(CursorResult[Any], result).rowcount
