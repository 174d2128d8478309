"""Claiming from the database send queue: leases, duplicate claims, expired leases flagged as possible duplicates."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.gateway.drivers.simulator import SimulatorDriver
from communicator.gateway.worker import GatewayWorker
from communicator.queue.database import DatabaseQueue
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.messaging.delivery import SubmitResult, apply_submit_results, claim_deliveries
from communicator.services.messaging.send import send_message


async def _send_to_all(db: Database, admin: Actor) -> None:
    """One message to the 20 demo employees."""
    await send_message(
        db, admin, MessageCreate(text="t", recipients=Recipients(groups=[1, 2, 3], employees=list(range(1, 21))))
    )


async def test_claims_never_overlap(db: Database, admin: Actor) -> None:
    await _send_to_all(db, admin)
    queue = DatabaseQueue(db, 30)
    batches = await asyncio.gather(*(claim_deliveries(db, queue, 3) for _ in range(10)))
    ids = [c.delivery_id for batch in batches for c in batch]
    assert len(ids) == len(set(ids)) == 20
    assert await claim_deliveries(db, queue, 5) == []


async def test_expired_lease_is_reclaimed_and_flagged_possible_duplicate(db: Database, admin: Actor) -> None:
    await _send_to_all(db, admin)
    queue = DatabaseQueue(db, 30)
    first = await claim_deliveries(db, queue, 5)
    assert not any(c.possible_duplicate for c in first)
    async with db.write() as session:  # the worker holding them died: its lease runs out
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_([c.delivery_id for c in first]))
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    again = await claim_deliveries(db, queue, 5)
    assert [c.delivery_id for c in again] == [c.delivery_id for c in first]
    assert all(c.possible_duplicate and c.attempts == 2 for c in again)


async def test_claim_moves_to_sending_and_records_an_event(db: Database, admin: Actor) -> None:
    await _send_to_all(db, admin)
    db.published.clear()  # type: ignore[attr-defined]
    claimed = await claim_deliveries(db, DatabaseQueue(db, 30), 4)
    async with db.read() as session:
        statuses = (
            (await session.execute(select(Delivery.status).where(Delivery.id.in_([c.delivery_id for c in claimed]))))
            .scalars()
            .all()
        )
    assert statuses == ["Sending"] * 4
    assert len(db.published) == 1 and b'"Sending"' in db.published[0].data  # type: ignore[attr-defined]


async def test_results_claim_the_next_batch_in_one_transaction_with_one_event(db: Database, admin: Actor) -> None:
    await _send_to_all(db, admin)
    queue = DatabaseQueue(db, 30)
    first = await claim_deliveries(db, queue, 5)
    db.published.clear()  # type: ignore[attr-defined]
    results = [SubmitResult(c.delivery_id, smsc_id=f"s-{c.delivery_id}") for c in first]
    following = await apply_submit_results(db, results, {c.delivery_id: c.attempts for c in first}, (queue, 5))
    assert len(following) == 5 and not {c.delivery_id for c in following} & {c.delivery_id for c in first}
    async with db.read() as session:
        statuses = dict((await session.execute(select(Delivery.id, Delivery.status))).all())
    assert [statuses[c.delivery_id] for c in first] == ["Sent"] * 5
    assert [statuses[c.delivery_id] for c in following] == ["Sending"] * 5
    [event] = db.published  # type: ignore[attr-defined]
    assert event.data.count(b'"status":"Sent"') == 5 and event.data.count(b'"status":"Sending"') == 5
    assert b'"Sent":5' in event.data and b'"Sending":5' in event.data  # the summary counts both moves


@pytest.mark.parametrize(("tps", "ahead"), [(100_000, 5), (5, 0)])
async def test_worker_claims_ahead_only_with_the_rate_limits_tokens(
    db: Database, admin: Actor, tps: float, ahead: int
) -> None:
    await _send_to_all(db, admin)
    driver = SimulatorDriver(db, tps=tps, submit_latency_ms=0, dlr_delay_ms=60_000, failure_rate=0.0)
    worker = GatewayWorker(db, DatabaseQueue(db, 30), driver, batch=5, poll_seconds=0.05)
    assert await worker.run_once() == 5
    assert len(worker.ahead) == ahead
    async with db.read() as session:
        counts = dict((await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all())
    assert counts == {"Sent": 5, "Pending": 15 - ahead, **({"Sending": ahead} if ahead else {})}
    if ahead:  # the next round submits the batch claimed ahead, without another claim
        assert await worker.run_once() == 5 and len(worker.ahead) == 5


async def test_a_stopped_worker_gives_its_batch_claimed_ahead_back_unsent(db: Database, admin: Actor) -> None:
    await _send_to_all(db, admin)
    driver = SimulatorDriver(db, tps=100_000, submit_latency_ms=0, dlr_delay_ms=60_000, failure_rate=0.0)
    worker = GatewayWorker(db, DatabaseQueue(db, 30), driver, batch=5, poll_seconds=0.05)
    await worker.run_once()
    ahead = [c.delivery_id for c in worker.ahead]
    assert len(ahead) == 5
    await worker.release_ahead()
    async with db.read() as session:
        rows = (await session.execute(select(Delivery).where(Delivery.id.in_(ahead)))).scalars().all()
    assert {(d.status, d.attempts, d.possible_duplicate) for d in rows} == {("Pending", 0, False)}
    assert worker.ahead == []


async def test_wait_returns_on_notify(db: Database) -> None:
    queue = DatabaseQueue(db, 30)
    waiter = asyncio.create_task(queue.wait(30))
    await asyncio.sleep(0)
    queue.notify()
    await asyncio.wait_for(waiter, 2)
