"""Shared pieces of the SMPP tests: the driver and worker against a scripted peer, counts scaled by an env var."""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import select

from communicator.db.models import Event, Message
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


async def start_gateway(
    db: Database,
    peer: SmscPeer,
    *,
    tps: float = 5000,
    batch: int = 100,
    lease: float = 30.0,
    binds: int = 1,
    **bind: object,
) -> tuple[SmppDriver, asyncio.Task[None]]:
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
            link.session.abort()
    for task in tasks:
        if task is not None:
            task.cancel()
    await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)


@asynccontextmanager
async def running_gateway(
    db: Database,
    peer: SmscPeer,
    *,
    tps: float = 5000,
    batch: int = 100,
    binds: int = 1,
    lease: float = 30.0,
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
    message = await send_message(
        db, admin, MessageCreate(text=text, recipients=Recipients(groups=[1, 2, 3]), confirmed=True)
    )
    return message.id


async def send_to_phones(db: Database, admin: Actor, count: int, text: str = "Проверка связи") -> int:
    """One message to `count` phones; its id."""
    phones = [f"+7926{3000000 + i:07}" for i in range(count)]
    message = await send_message(
        db, admin, MessageCreate(text=text, recipients=Recipients(numbers=phones), confirmed=True)
    )
    return message.id


async def deliver_mo_through_kills(
    peer: SmscPeer, count: int, kills: int, restart: Callable[[], Awaitable[None]]
) -> None:
    """`count` MO from 8 senders at once (each re-delivered until answered); `restart` the gateway at random points."""
    points = sorted(random.Random(11).sample(range(count // 10, count * 9 // 10), kills))
    answered = 0

    async def deliver(numbers: list[int]) -> None:
        nonlocal answered
        for n in numbers:
            assert await peer.deliver_mo(f"7916{5000000 + n:07}", "4938", f"MO number {n}".encode())
            answered += 1

    senders = [asyncio.create_task(deliver(list(range(i, count, 8)))) for i in range(8)]
    for point in points:
        await peer.wait_for(lambda: answered >= point, 60, f"{point} MO answered")  # noqa: B023
        await restart()
    await asyncio.wait_for(asyncio.gather(*senders), 120)


async def check_mo_stored_once(db: Database, count: int) -> None:
    """Exactly `count` MO stored, and each in the event stream (the event log) exactly once."""
    async with db.read() as session:
        texts = list((await session.scalars(select(Message.text).where(Message.direction == "in"))).all())
        payloads = list((await session.scalars(select(Event.payload).where(Event.type == "message.created"))).all())
    assert len(texts) == count and len(set(texts)) == count, "exactly that many stored, no repeats"
    shown = Counter(json.loads(p)["message"]["id"] for p in payloads)
    assert len(shown) == count and set(shown.values()) == {1}, "each in the event stream exactly once"
