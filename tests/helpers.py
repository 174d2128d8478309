"""Test helpers: waiting on conditions (never sleeping as synchronisation), running the gateway."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import func, select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.gateway.drivers.simulator import SimulatorDriver
from communicator.gateway.worker import GatewayWorker
from communicator.queue.database import DatabaseQueue
from communicator.schemas import MessageRead
from communicator.services.messaging.receive import receive_sms


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll an async condition until true; fail with `what` after the timeout."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


def wait_for_sync(check: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a plain condition until true; fail with `what` after the timeout."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


async def receive_reply(db: Database, sender: str, text: str, smsc_id: str | None = None) -> MessageRead:
    """An SMS to the demo account's short number that must land in an account (not the unrouted inbox)."""
    received = await receive_sms(db, "4938", sender, text, smsc_id)
    assert isinstance(received, MessageRead), received
    return received


async def count_by_status(db: Database, message_id: int | None = None) -> dict[str, int]:
    """Deliveries per status (of one message, or all)."""
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    if message_id is not None:
        query = query.where(Delivery.message_id == message_id)
    async with db.read() as session:
        return dict((await session.execute(query)).all())


class InProcessGateway:
    """The gateway worker with the simulator driver, run as a task for a test."""

    def __init__(
        self, db: Database, failure_rate: float = 0.0, dlr_delay_ms: float = 5.0, auto_reply_rate: float = 0.0
    ) -> None:
        self.queue = DatabaseQueue(db, lease_seconds=30)
        self.driver = SimulatorDriver(
            db,
            tps=100_000,
            submit_latency_ms=0,
            dlr_delay_ms=dlr_delay_ms,
            failure_rate=failure_rate,
            auto_reply_rate=auto_reply_rate,
            auto_reply_delay_seconds=0.01,
        )
        self.worker = GatewayWorker(db, self.queue, self.driver, batch=100, poll_seconds=0.05)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> InProcessGateway:
        await self.driver.start()
        self.task = asyncio.create_task(self.worker.run())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.driver.stop()
