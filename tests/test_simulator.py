"""The simulator driver: failure rate, scripted replies, receipts resumed after a restart."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from communicator.db.models import Delivery, Message
from communicator.db.session import Database
from communicator.gateway.drivers.simulator import SimulatorDriver
from communicator.queue.database import DatabaseQueue
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.messaging.delivery import SubmitResult, apply_submit_results, claim_deliveries
from communicator.services.messaging.send import send_message
from tests.helpers import InProcessGateway, count_by_status, wait_for


async def _send_to_all(db: Database, admin: Actor, text: str = "#88 выезд") -> int:
    message = await send_message(db, admin, MessageCreate(text=text, recipients=Recipients(groups=[1, 2, 3])))
    return message.id


async def test_failure_rate_one_gives_not_delivered(db: Database, admin: Actor) -> None:
    message_id = await _send_to_all(db, admin)
    async with InProcessGateway(db, failure_rate=1.0):
        await wait_for(lambda: _counts_are(db, message_id, {"NotDelivered": 18}), what="all NotDelivered")


async def _counts_are(db: Database, message_id: int, expected: dict[str, int]) -> bool:
    return await count_by_status(db, message_id) == expected


async def test_auto_replies_quote_the_order_tag(db: Database, admin: Actor) -> None:
    await _send_to_all(db, admin)
    async with InProcessGateway(db, auto_reply_rate=1.0):
        await wait_for(lambda: _inbound_count(db, 18), what="18 auto-replies")
    async with db.read() as session:
        texts = (await session.execute(select(Message.text).where(Message.direction == "in"))).scalars().all()
    assert all(text.startswith("#88 ") for text in texts)


async def _inbound_count(db: Database, expected: int) -> bool:
    async with db.read() as session:
        count = (await session.execute(select(func.count()).where(Message.direction == "in"))).scalar_one()
    return count == expected


async def test_receipts_resume_after_restart(db: Database, admin: Actor) -> None:
    message_id = await _send_to_all(db, admin)
    claimed = await claim_deliveries(db, DatabaseQueue(db, 30), 100)
    # Accepted by the SMSC, then the process died before any receipt came back.
    await apply_submit_results(db, [SubmitResult(c.delivery_id, smsc_id=f"sim-{c.delivery_id}-x") for c in claimed], {})
    driver = SimulatorDriver(db, tps=1000, submit_latency_ms=0, dlr_delay_ms=1, failure_rate=0, rng=random.Random(1))
    await driver.start()
    try:
        await wait_for(lambda: _counts_are(db, message_id, {"Delivered": 18}), what="resumed receipts")
    finally:
        await driver.stop()
    async with db.read() as session:
        assert (await session.execute(select(func.count()).where(Delivery.smsc_id.like("sim-%")))).scalar_one() == 18
