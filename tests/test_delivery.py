"""Status transitions: forward only; receipts never move a status back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.queue.database import DatabaseQueue
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.messaging import delivery
from communicator.services.messaging.delivery import (
    FINAL,
    RANK,
    Receipt,
    SubmitResult,
    apply_receipts,
    apply_submit_results,
    can_move,
    claim_deliveries,
    retry_delay,
)
from communicator.services.messaging.send import send_message

ALL = list(RANK)


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("Pending", "Sending", True),
        ("Sending", "Sent", True),
        ("Sent", "Delivered", True),
        ("Pending", "Cancelled", True),
        ("Sending", "Error", True),
        ("Sent", "NotDelivered", True),
        ("Sent", "Sending", False),
        ("Delivered", "Sent", False),
        ("Delivered", "NotDelivered", False),
        ("Sending", "Pending", False),
        ("Sent", "Sent", False),
        ("Error", "Delivered", False),
    ],
)
def test_can_move(old: str, new: str, allowed: bool) -> None:
    assert can_move(old, new) is allowed


def test_nothing_leaves_a_final_status() -> None:
    assert not [(old, new) for old in FINAL for new in ALL if can_move(old, new)]


def test_retry_delay_grows_and_is_capped() -> None:
    delays = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays == sorted(delays) and delays[0] == 2 and delays[-1] == 300


async def _one_sent(db: Database, admin: Actor) -> Delivery:
    """A delivery claimed and accepted by the SMSC as 'smsc-1'."""
    await send_message(db, admin, MessageCreate(text="t", recipients=Recipients(employees=[1])))
    claimed = await claim_deliveries(db, DatabaseQueue(db, 30), 10)
    await apply_submit_results(db, [SubmitResult(claimed[0].delivery_id, smsc_id="smsc-1")], {})
    async with db.read() as session:
        return (await session.execute(select(Delivery))).scalar_one()


async def _status(db: Database) -> str:
    async with db.read() as session:
        return (await session.execute(select(Delivery.status))).scalar_one()


async def test_late_enroute_receipt_never_undoes_delivered(db: Database, admin: Actor) -> None:
    delivery = await _one_sent(db, admin)
    assert delivery.status == "Sent"
    assert await apply_receipts(db, [Receipt("smsc-1", "Delivered")]) == set()
    await apply_receipts(db, [Receipt("smsc-1", "NotDelivered"), Receipt("smsc-1", "Sent")])
    assert await _status(db) == "Delivered"


async def test_receipt_for_unknown_smsc_id_is_reported_unmatched(db: Database, admin: Actor) -> None:
    await _one_sent(db, admin)
    assert await apply_receipts(db, [Receipt("nope", "Delivered")]) == {"nope"}
    assert await _status(db) == "Sent"


async def test_retryable_failure_goes_back_to_pending_then_errors_after_max_attempts(
    db: Database, admin: Actor
) -> None:
    await send_message(db, admin, MessageCreate(text="t", recipients=Recipients(employees=[1])))
    claimed = (await claim_deliveries(db, DatabaseQueue(db, 30), 10))[0]
    await apply_submit_results(
        db, [SubmitResult(claimed.delivery_id, error="throttled", retryable=True)], {claimed.delivery_id: 1}
    )
    assert await _status(db) == "Pending"
    assert await claim_deliveries(db, DatabaseQueue(db, 30), 10) == []  # held back by the retry delay
    async with db.write() as session:
        delivery = (await session.execute(select(Delivery))).scalar_one()
        delivery.lease_until = None
    claimed = (await claim_deliveries(db, DatabaseQueue(db, 30), 10))[0]
    await apply_submit_results(
        db, [SubmitResult(claimed.delivery_id, error="throttled", retryable=True)], {claimed.delivery_id: 5}
    )
    assert await _status(db) == "Error"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite has one writer: no such race
async def test_receipt_is_matched_only_if_it_moved_the_delivery(
    db: Database, admin: Actor, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A submit result committed while a receipt for it is being applied: unmatched (offered again), never lost."""
    await send_message(db, admin, MessageCreate(text="t", recipients=Recipients(employees=[1])))
    claimed = await claim_deliveries(db, DatabaseQueue(db, 30), 10)
    move_all = delivery._move_all
    other_gateway = Database(postgres_url)

    async def commit_sent_right_after(session, items, now):  # type: ignore[no-untyped-def]
        await move_all(session, items, now)
        # The gateway that submitted it records the submit result between this transaction's statements.
        await apply_submit_results(other_gateway, [SubmitResult(claimed[0].delivery_id, smsc_id="smsc-1")], {})

    monkeypatch.setattr(delivery, "_move_all", commit_sent_right_after)
    try:
        assert await apply_receipts(db, [Receipt("smsc-1", "Delivered")]) == {"smsc-1"}
    finally:
        await other_gateway.dispose()
    assert await _status(db) == "Sent"
    monkeypatch.undo()
    assert await apply_receipts(db, [Receipt("smsc-1", "Delivered")]) == set()
    assert await _status(db) == "Delivered"


def test_event_row_names_the_event_columns_in_order() -> None:
    from communicator.services.messaging.delivery_events import EVENT_COLUMNS, EventRow

    assert EventRow._fields == tuple(column.key for column in EVENT_COLUMNS)
