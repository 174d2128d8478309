"""Concurrent sends stored together: one write turn and one set of statements for every send waiting.

32 integrations each sending one SMS at once cost one turn of the shared transaction instead of 32
(docs/sending.md). Each send is still checked on its own with the same checks, and a refusal fails only it.
A send returns only after the transaction holding it has committed.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee
from communicator.db.session import Database
from communicator.schemas import MessageCreate, MessageRead
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput, ServiceError
from communicator.services.directory.employees import check_phones
from communicator.services.messaging.outbound import CheckedSend, record_sends
from communicator.services.messaging.send_checks import AccountFacts, check_send, get_threshold

MAX_BATCH = 64
# A send to more numbers than this looks them up on its own: one IN list must stay far below SQLite's limit.
PREFETCH_NUMBERS = 500

logger = logging.getLogger(__name__)
_batchers: weakref.WeakKeyDictionary[Database, SendBatcher] = weakref.WeakKeyDictionary()


def get_send_batcher(db: Database) -> SendBatcher:
    """The database's batcher (one per Database)."""
    batcher = _batchers.get(db)
    if batcher is None:
        batcher = _batchers[db] = SendBatcher(db)
    return batcher


@dataclass
class _Waiting:
    """A send waiting for its batch."""

    actor: Actor
    data: MessageCreate
    future: asyncio.Future[MessageRead]


class SendBatcher:
    """Takes every send waiting when the previous batch is done, and stores them in one write turn."""

    def __init__(self, db: Database) -> None:
        # Weak: _batchers is keyed weakly by the Database, and a strong reference here would keep it alive.
        self._db_ref = weakref.ref(db)
        self._waiting: list[_Waiting] = []
        self._task: asyncio.Task[None] | None = None

    def _db(self) -> Database:
        """The database (alive while anyone sends through it)."""
        db = self._db_ref()
        if db is None:
            raise RuntimeError("the Database of this batcher is gone")
        return db

    async def send(self, actor: Actor, data: MessageCreate) -> MessageRead:
        """Check and store one send with whatever others are waiting; its read once committed."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(actor, data, loop.create_future())
        self._waiting.append(waiting)
        if self._task is None:
            self._task = loop.create_task(self._drain())
        return await waiting.future

    async def _drain(self) -> None:
        """Batch after batch while sends wait."""
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._send_batch(batch)
        finally:
            self._task = None
            for waiting in [*batch, *self._waiting]:  # cancelled (shutdown): nobody may wait for ever
                if not waiting.future.done():
                    waiting.future.cancel()
            self._waiting = []

    async def _send_batch(self, batch: list[_Waiting]) -> None:
        """One write turn for the batch; if it fails as a whole, each send again on its own."""
        try:
            async with self._db().write() as session:
                outcomes = await _store_all(session, batch)
        except Exception:
            logger.exception("a batch of %d sends failed; sending each on its own", len(batch))
            outcomes = [await self._send_alone(waiting) for waiting in batch]
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if waiting.future.done():
                continue  # its caller went away; the send stands
            if isinstance(outcome, BaseException):
                waiting.future.set_exception(outcome)
            else:
                waiting.future.set_result(outcome)

    async def _send_alone(self, waiting: _Waiting) -> MessageRead | BaseException:
        """One send in its own write turn; the error instead of raising it."""
        try:
            async with self._db().write() as session:
                return (await _store_all(session, [waiting]))[0]
        except Exception as error:  # noqa: BLE001 - handed to the waiting caller
            return error


async def _store_all(session: AsyncSession, batch: list[_Waiting]) -> list[MessageRead | BaseException]:
    """Check each send (a refusal is its outcome), then store those that passed together."""
    now = datetime.now(UTC)
    facts = await _read_accounts(session, batch)
    outcomes: list[CheckedSend | BaseException] = []
    for waiting in batch:
        try:
            outcomes.append(
                await check_send(session, waiting.actor, waiting.data, now, facts[waiting.actor.account_id])
            )
        except ServiceError as refusal:
            outcomes.append(refusal)
    checked = [outcome for outcome in outcomes if isinstance(outcome, CheckedSend)]
    reads = iter(await record_sends(session, checked) if checked else [])
    return [next(reads) if isinstance(outcome, CheckedSend) else outcome for outcome in outcomes]


async def _read_accounts(session: AsyncSession, batch: list[_Waiting]) -> dict[int, AccountFacts]:
    """Which of the batch's numbers are employees, and each account's threshold: per account, not per send."""
    numbers: dict[int, set[str]] = defaultdict(set)
    for waiting in batch:
        if len(waiting.data.recipients.numbers) > PREFETCH_NUMBERS:
            continue
        try:
            numbers[waiting.actor.account_id] |= set(check_phones(waiting.data.recipients.numbers))
        except InvalidInput:
            continue  # its own check names the bad numbers
    facts: dict[int, AccountFacts] = {}
    for account_id in {waiting.actor.account_id for waiting in batch}:
        phones = numbers.get(account_id, set())
        query = select(Employee.phone, Employee.id).where(Employee.account_id == account_id, Employee.phone.in_(phones))
        employees = dict((await session.execute(query)).all()) if phones else {}
        threshold = await get_threshold(session, account_id)
        facts[account_id] = AccountFacts(phones, employees, threshold, threshold_read=True)
    return facts
