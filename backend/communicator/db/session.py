"""Engines and sessions: SQLite in WAL with one writer (BEGIN IMMEDIATE), or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from communicator.db.group_commit import GroupCommit
from communicator.db.sqlite_inline import inline_creator


def dialect_insert(session: AsyncSession, model: type):
    """An INSERT in the session's dialect, so it can take `.on_conflict_do_nothing()`."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


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
        self.on_commit: Callable[[list[Any]], None] = lambda _events: None
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
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.group_commit = GroupCommit(self._writer, self._after_commit)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write session shared with concurrent writers, each in its own savepoint (db/group_commit.py)."""
        async with self.group_commit.member() as session:
            yield session

    def _after_commit(self, collected: dict[str, list[Any]]) -> None:
        """Hand over what the committed writers collected in `session.info`, merged in commit order."""
        events = collected.get("events")
        if events:
            self.on_commit(events)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only."""
        async with self._reader() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
