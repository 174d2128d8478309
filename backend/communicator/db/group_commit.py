"""Group commit: concurrent write actions share one transaction, each in its own savepoint.

Callers of `Database.write()` take turns on one session. Each body runs inside a SAVEPOINT, so a
refusal rolls back only its own rows and what it collected in `session.info`. When nobody else is
waiting for a turn (or the batch is full or old), the batch commits once; then everything its members
collected is published, and only then do their `write()` blocks return. A failed commit fails every
member. See docs/architecture.md ("Writes").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

MAX_MEMBERS = 64
MAX_SECONDS = 0.02


class _Batch:
    """One shared transaction and what its members collected for after the commit."""

    def __init__(self, session: AsyncSession) -> None:
        loop = asyncio.get_running_loop()
        self.session = session
        self.started = loop.time()
        self.members = 0
        self.collected: dict[str, list[Any]] = {}
        self.failed: BaseException | None = None
        self.done: asyncio.Future[None] = loop.create_future()
        # Members that were cancelled never read the outcome; nobody should be told it was lost.
        self.done.add_done_callback(lambda f: f.cancelled() or f.exception())

    def keep(self, info: dict[str, Any]) -> None:
        """Move a finished member's collections (list values of session.info) into the batch."""
        for key in [key for key, value in info.items() if isinstance(value, list)]:
            self.collected.setdefault(key, []).extend(info.pop(key))


class GroupCommit:
    """Turns on one shared write session; one COMMIT per batch; publish after it.

    One batch at a time, on PostgreSQL too: a batch holds the event log's lock (events/log.py) while its
    later members lock rows, so two batches side by side could deadlock.
    """

    def __init__(
        self,
        open_session: Callable[[], AsyncSession],
        publish: Callable[[dict[str, list[Any]]], None],
        max_members: int = MAX_MEMBERS,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self._open = open_session
        self._publish = publish
        self.max_members = max_members
        self.max_seconds = max_seconds
        self._turn = asyncio.Lock()
        self.queued = 0
        self._batch: _Batch | None = None
        self._holder: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def member(self) -> AsyncIterator[AsyncSession]:
        """This caller's turn on the shared session, in its own savepoint; returns after the shared commit."""
        batch = await self._join()
        try:
            session = batch.session
            saved = dict(session.info)
            try:
                nested = await session.begin_nested()
            except BaseException as error:
                batch.failed = error  # the shared transaction itself is unusable
                raise
            try:
                yield session
                await nested.commit()
            except BaseException:
                await self._undo(batch, nested, saved)
                raise
            batch.keep(session.info)
        finally:
            self._leave(batch)
        await asyncio.shield(batch.done)

    async def _join(self) -> _Batch:
        """Wait for the turn; the current batch, or a new one."""
        if self._holder is not None and self._holder is asyncio.current_task():
            raise RuntimeError("db.write() inside db.write(): the inner one would wait for itself")
        self.queued += 1
        try:
            await self._turn.acquire()
        except asyncio.CancelledError:
            self.queued -= 1
            if self.queued == 0 and not self._turn.locked():
                self._close_batch()  # it was this caller's turn; the batch must not wait for it
            raise
        self.queued -= 1
        self._holder = asyncio.current_task()
        if self._batch is None:
            self._batch = _Batch(self._open())
        return self._batch

    async def _undo(self, batch: _Batch, nested: AsyncSessionTransaction, saved: dict[str, Any]) -> None:
        """Roll back one member's savepoint and its collections; a batch that cannot do that fails whole."""
        batch.session.info.clear()
        batch.session.info.update(saved)
        try:
            await nested.rollback()
        except BaseException as error:  # noqa: BLE001 - whatever it was, the batch's transaction is unusable
            batch.failed = error

    def _leave(self, batch: _Batch) -> None:
        """End a turn: commit when nobody waits, the batch is full or old, or it broke."""
        batch.members += 1
        full = batch.members >= self.max_members or asyncio.get_running_loop().time() - batch.started > self.max_seconds
        if self.queued == 0 or full or batch.failed is not None:
            self._close_batch()
        self._holder = None
        self._turn.release()

    def _close_batch(self) -> None:
        """Commit the current batch in its own task (a cancelled member must not cancel the others' commit)."""
        batch, self._batch = self._batch, None
        if batch is not None:
            asyncio.get_running_loop().create_task(self._commit(batch))

    async def _commit(self, batch: _Batch) -> None:
        """One COMMIT (or a broken batch's rollback), then publish, then release the members."""
        try:
            try:
                error = batch.failed or await _try_commit(batch.session)
            finally:
                await batch.session.close()
            if error is not None:
                batch.done.set_exception(error)
                return
            try:
                self._publish(batch.collected)
            finally:
                batch.done.set_result(None)
        finally:
            if not batch.done.done():  # cancelled mid-commit (shutdown): the outcome is unknown
                batch.done.cancel()


async def _try_commit(session: AsyncSession) -> Exception | None:
    """Commit; the error instead of raising it."""
    connection = await session.connection()
    try:
        await session.commit()
    except Exception as error:  # noqa: BLE001 - every member gets it, whatever it is
        # SQLite keeps the transaction open after a failed COMMIT, and the pool would not roll it back.
        with contextlib.suppress(Exception):
            await connection.invalidate()
        return error
    return None
