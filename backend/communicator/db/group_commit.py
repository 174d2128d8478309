"""Group commit: concurrent write actions share one transaction, each in its own savepoint.

Callers of `Database.write()` take turns on one session. Each body runs inside a SAVEPOINT with its own
hand-over (an `AfterCommit`, db/session.py), so a refusal rolls back only its own rows, its hand-over and
its changes to `session.info`. When nobody else is waiting for a turn (or the batch is full or old), the
batch commits once; then the kept hand-overs are handed over in turn order, and only then do the members'
`write()` blocks return. A failed commit fails every member. See docs/architecture.md ("Writes").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

MAX_MEMBERS = 64
MAX_SECONDS = 0.02

Pending = TypeVar("Pending")


class _Batch(Generic[Pending]):
    """One shared transaction and the hand-overs of its members that succeeded."""

    def __init__(self, session: AsyncSession) -> None:
        loop = asyncio.get_running_loop()
        self.session = session
        self.started = loop.time()
        self.members = 0
        self.kept: list[Pending] = []
        self.failed: BaseException | None = None
        self.done: asyncio.Future[None] = loop.create_future()
        # Members that were cancelled never read the outcome; nobody should be told it was lost.
        self.done.add_done_callback(lambda f: f.cancelled() or f.exception())


class GroupCommit(Generic[Pending]):
    """Turns on one shared write session; one COMMIT per batch; publish after it.

    One batch at a time, on PostgreSQL too: a batch holds the event log's lock (events/log.py) while its
    later members lock rows, so two batches side by side could deadlock.
    """

    def __init__(
        self,
        open_session: Callable[[], AsyncSession],
        hand_over: Callable[[list[Pending]], None],
        max_members: int = MAX_MEMBERS,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self._open = open_session
        self._hand_over = hand_over
        self.max_members = max_members
        self.max_seconds = max_seconds
        self._turn = asyncio.Lock()
        self.queued = 0
        self._batch: _Batch[Pending] | None = None
        self._holder: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def member(self, pending: Pending) -> AsyncIterator[AsyncSession]:
        """This caller's turn on the shared session, in its own savepoint; returns after the shared commit.

        The batch keeps `pending` if the body succeeds and hands it over after the commit; a rollback drops it.
        """
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
            batch.kept.append(pending)
        finally:
            self._leave(batch)
        await asyncio.shield(batch.done)

    async def _join(self) -> _Batch[Pending]:
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

    async def _undo(self, batch: _Batch[Pending], nested: AsyncSessionTransaction, saved: dict[str, Any]) -> None:
        """Roll back one member's savepoint and its `session.info` changes; a batch that cannot fails whole."""
        batch.session.info.clear()
        batch.session.info.update(saved)
        try:
            await nested.rollback()
        except BaseException as error:  # noqa: BLE001 - whatever it was, the batch's transaction is unusable
            batch.failed = error

    def _leave(self, batch: _Batch[Pending]) -> None:
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

    async def _commit(self, batch: _Batch[Pending]) -> None:
        """One COMMIT (or a broken batch's rollback), then the hand-overs, then release the members."""
        try:
            try:
                error = batch.failed or await _try_commit(batch.session)
            finally:
                await batch.session.close()
            if error is not None:
                batch.done.set_exception(error)
                return
            try:
                self._hand_over(batch.kept)
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
