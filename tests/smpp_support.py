"""Shared pieces of the SMPP tests: the driver and worker against a scripted peer, counts scaled by an env var."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from communicator.db.session import Database
from communicator.gateway.drivers.smpp import SmppDriver
from communicator.gateway.smpp.session import BindConfig
from communicator.gateway.worker import GatewayWorker
from communicator.queue.database import DatabaseQueue
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.messaging.send import send_message
from tests.smsc_peer import SmscPeer

# Fault tests run at this share of their full size in the suite; `make bench` runs them at 1.0.
SCALE = float(os.environ.get("COMMUNICATOR_SMPP_TEST_SCALE", "0.05"))


def scaled(full: int, least: int = 10) -> int:
    """A count at the suite's scale."""
    return max(least, int(full * SCALE))


def bind_for(peer: SmscPeer, **overrides: object) -> BindConfig:
    """A bind to the peer, with short timers for tests."""
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": peer.port,
        "system_id": "esme",
        "password": "secret",
        "window": 10,
        "enquire_link_seconds": 1.0,
        "response_timeout": 2.0,
        "connect_timeout": 2.0,
    }
    values.update(overrides)
    return BindConfig(**values)  # type: ignore[arg-type]


async def start_gateway(db: Database, peer: SmscPeer, *, tps: float = 5000, batch: int = 100, lease: float = 30.0,
                        binds: int = 1, **bind: object) -> tuple[SmppDriver, asyncio.Task[None]]:
    """The SMPP driver and a gateway worker draining the queue, started."""
    driver = SmppDriver(db, [bind_for(peer, **bind) for _ in range(binds)], tps=tps, bind_wait_seconds=1.0)
    for link in driver.links:
        link.backoff_base, link.backoff_cap = 0.05, 0.5
    worker = GatewayWorker(db, DatabaseQueue(db, lease), driver, batch, 0.05)
    await driver.start()
    return driver, asyncio.create_task(worker.run())


async def crash_gateway(driver: SmppDriver, worker: asyncio.Task[None]) -> None:
    """Stop everything at once, as kill -9 would: no unbind, no answers, transactions cut where they are."""
    tasks = [worker, *(link._task for link in driver.links if link._task), driver.inbound._task]
    for link in driver.links:
        if link.session is not None:
            tasks += list(link.session._tasks)
            if link.session._writer is not None:
                link.session._writer.transport.abort()
    for task in tasks:
        if task is not None:
            task.cancel()
    await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)


@asynccontextmanager
async def running_gateway(
    db: Database, peer: SmscPeer, *, tps: float = 5000, batch: int = 100, binds: int = 1, lease: float = 30.0,
    **bind: object,
) -> AsyncIterator[SmppDriver]:
    """The SMPP driver and a gateway worker draining the queue, for the length of the block."""
    driver, task = await start_gateway(db, peer, tps=tps, batch=batch, lease=lease, binds=binds, **bind)
    try:
        yield driver
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await driver.stop()


async def send_to_all(db: Database, admin: Actor, text: str = "Сбор в 9:00") -> int:
    """One message to the demo account's three groups (18 phones); its id."""
    message = await send_message(db, admin, MessageCreate(text=text, recipients=Recipients(groups=[1, 2, 3])))
    return message.id


async def send_to_phones(db: Database, admin: Actor, count: int, text: str = "Проверка связи") -> int:
    """One message to `count` phones; its id."""
    phones = [f"+7926{3000000 + i:07}" for i in range(count)]
    message = await send_message(db, admin, MessageCreate(text=text, recipients=Recipients(numbers=phones)))
    return message.id
