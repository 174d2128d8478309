"""The thread-free SQLite writer (db/sqlite_inline.py): waiting for another writer never blocks the loop."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import make_url, text

from communicator.db.session import Database
from tests.helpers import wait_for


async def test_a_write_waits_for_another_connections_lock_without_blocking_the_loop(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    other = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process writing: it holds the write lock

        async def write() -> None:
            async with db.write() as session:
                await session.execute(text("CREATE TABLE written (id INTEGER PRIMARY KEY)"))

        writer = asyncio.create_task(write())
        ticks = 0

        async def loop_keeps_running() -> bool:
            nonlocal ticks
            ticks += 1
            return ticks >= 20  # twenty turns of the loop (200 ms of polling) while the write waits

        await wait_for(loop_keeps_running, what="the event loop to keep turning")
        assert not writer.done(), "the write must wait for the other connection's lock"
        other.execute("ROLLBACK")
        await asyncio.wait_for(writer, 10)
        async with db.read() as session:
            assert (await session.execute(text("SELECT count(*) FROM written"))).scalar_one() == 0
    finally:
        other.close()
        await db.dispose()
