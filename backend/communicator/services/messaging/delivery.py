"""Delivery status: claiming, forward-only transitions, submit results, DLR matching, retries. See docs/gateway.md."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, Message
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.metrics import record_receipts
from communicator.queue import Claimed, SendQueue
from communicator.services.messaging.batch_update import is_any_of, move_deliveries
from communicator.services.messaging.delivery_events import EVENT_COLUMNS, EventRow, MovedRows
from communicator.services.messaging.parts import apply_part_receipts, record_parts

FINAL = frozenset(
    {
        DeliveryStatus.DELIVERED,
        DeliveryStatus.NOT_DELIVERED,
        DeliveryStatus.NOT_SENT,
        DeliveryStatus.TIMED_OUT,
        DeliveryStatus.ERROR,
        DeliveryStatus.CANCELLED,
    }
)
RANK = {
    DeliveryStatus.SCHEDULED: -1,
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    **dict.fromkeys(FINAL, 3),
}
MAX_ATTEMPTS = 5
UNSENT_DELAY = timedelta(seconds=10)  # an unsent delivery waits this long for its account's binds to come back
ClaimNext = tuple[SendQueue, int]  # the queue and how many to claim with a batch's results


def can_move(old: DeliveryStatus, new: DeliveryStatus) -> bool:
    """Whether a status may change from old to new: only forward, never out of a final status."""
    return old not in FINAL and RANK[new] > RANK[old]


def statuses_before(new: DeliveryStatus) -> list[DeliveryStatus]:
    """The statuses from which `new` may be reached."""
    return sorted(old for old in RANK if can_move(old, new))


class SubmitResult(msgspec.Struct, frozen=True):
    """What the SMSC answered for one delivery."""

    delivery_id: int
    smsc_id: str | None = None
    error: str | None = None
    retryable: bool = False
    possible_duplicate: bool = False  # an earlier try got no answer: the SMSC may already have this one
    part_ids: list[str] | None = None  # a long text's parts' SMSC ids in order (each part gets its own receipt)
    unsent: bool = False  # nothing went to any SMSC (its account's binds are down): not counted as an attempt


class Receipt(msgspec.Struct, frozen=True):
    """A delivery report (DLR) from the SMSC."""

    smsc_id: str
    status: DeliveryStatus
    error: str | None = None


def retry_delay(attempts: int) -> timedelta:
    """Back-off before the next attempt after a retryable failure."""
    return timedelta(seconds=min(2**attempts, 300))


async def claim_deliveries(db: Database, queue: SendQueue, limit: int) -> list[Claimed]:
    """Lease up to `limit` of the queue's claimable deliveries to this worker: Pending → Sending, with the event."""
    async with db.write() as session:
        moved = MovedRows()
        claimed = await _claim_in(session, queue, limit, moved)
        await moved.record(session)
    return claimed


async def _claim_in(session: AsyncSession, queue: SendQueue, limit: int, moved: MovedRows) -> list[Claimed]:
    """Claim in this transaction; the claimed rows go to `moved` for the event."""
    now = datetime.now(UTC)
    move_to_sending = (
        update(Delivery)
        .where(Delivery.id.in_(queue.select_claimable_ids(now, limit).scalar_subquery()))
        .values(
            # A Sending row whose lease ran out: its worker died and may have reached the SMSC.
            possible_duplicate=or_(Delivery.possible_duplicate, Delivery.status == DeliveryStatus.SENDING),
            status=DeliveryStatus.SENDING,
            lease_until=now + queue.lease,
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .returning(*EVENT_COLUMNS, Delivery.attempts)  # what the event needs too: nothing is read back
    )
    rows = (await (await session.connection()).execute(move_to_sending)).all()  # no ORM: nothing is loaded
    if not rows:
        return []
    width = len(EVENT_COLUMNS)
    plain = [(EventRow._make(r[:width]), r[width]) for r in rows]  # tuple speed: a Row's look-ups cost µs
    moved.add([row for row, _ in plain], ())
    sending = await _get_sending(session, {row.message_id for row, _ in plain}, now)
    claimed = [_claimed(row, attempts, sending[row.message_id]) for row, attempts in plain]
    return sorted(claimed, key=lambda c: c.delivery_id)


async def _get_sending(session: AsyncSession, message_ids: set[int], now: datetime) -> dict[int, tuple[Any, ...]]:
    """Each message's text, sender name and the validity left (whole minutes, at least 1; None: the SMSC's)."""
    query = select(Message.id, Message.text, Message.sender_name, Message.valid_until).where(
        Message.id.in_(message_ids)
    )
    found = {}
    for message_id, text, sender, valid_until in await session.execute(query):
        left = None if valid_until is None else max(1, math.ceil((valid_until - now).total_seconds() / 60))
        found[message_id] = (text, sender, left)
    return found


def _claimed(row: EventRow, attempts: int, sending: tuple[Any, ...]) -> Claimed:
    """A claimed delivery with what the SMSC needs of its message."""
    text, sender, left = sending
    return Claimed(
        row.id,
        row.message_id,
        row.phone,
        text,
        attempts,
        row.possible_duplicate,
        sender=sender,
        validity_minutes=left,
        account_id=row.account_id,
    )


async def apply_submit_results(
    db: Database, results: Sequence[SubmitResult], attempts: dict[int, int], claim_next: ClaimNext | None = None
) -> list[Claimed]:
    """Record what the SMSC said: Sent with its id, a retry later, or a permanent failure.

    With `claim_next` (queue, limit) the same transaction also claims the worker's next batch, so one event per
    message covers both; returns that batch.
    """
    now = datetime.now(UTC)
    sent = [r for r in results if r.smsc_id]
    failed = [r for r in results if not r.smsc_id]
    retry = [r for r in failed if r.retryable and (r.unsent or attempts.get(r.delivery_id, 0) < MAX_ATTEMPTS)]
    final = [r for r in failed if r not in retry]
    moved = MovedRows()
    async with db.write() as session:
        # sent_at is written only with the move to Sent, which happens once (forward-only): set once.
        await _move(
            session,
            moved,
            DeliveryStatus.SENT,
            sent,
            {"smsc_id": [r.smsc_id for r in sent]},
            updated_at=now,
            sent_at=now,
        )
        await _move(
            session,
            moved,
            DeliveryStatus.ERROR,
            final,
            {"error": [(r.error or "")[:200] for r in final]},
            updated_at=now,
        )
        await _requeue(session, retry, attempts, now)
        await record_parts(session, {r.delivery_id: r.part_ids for r in results if r.smsc_id and r.part_ids})
        flagged = await _flag_possible_duplicates(session, results)
        moved.touch([*flagged, *(r.delivery_id for r in retry)])
        claimed = await _claim_in(session, *claim_next, moved) if claim_next else []
        await moved.record(session)
    return claimed


async def _flag_possible_duplicates(session: AsyncSession, results: Sequence[SubmitResult]) -> list[int]:
    """Mark the deliveries an SMSC may already have had (an earlier try got no answer); their ids."""
    flagged = [r.delivery_id for r in results if r.possible_duplicate]
    if flagged:
        await session.execute(
            update(Delivery).where(is_any_of(session, Delivery.id, flagged)).values(possible_duplicate=True)
        )
    return flagged


async def _move(
    session: AsyncSession,
    moved: MovedRows,
    new: DeliveryStatus,
    results: list[SubmitResult],
    varying: dict[str, list[Any]],
    **fixed: Any,
) -> None:
    """Move the deliveries of these submit results to `new` (forward only), with their own values."""
    ids = [r.delivery_id for r in results]
    moved.add(await move_deliveries(session, new, statuses_before(new), ids, varying, fixed, EVENT_COLUMNS), ids)


async def renew_leases(db: Database, delivery_ids: Sequence[int], lease: timedelta) -> None:
    """Extend the lease on deliveries a worker still holds, so a slow SMSC never lets another gateway take them."""
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.status == DeliveryStatus.SENDING)
        .values(lease_until=datetime.now(UTC) + lease)
    )
    async with db.write() as session:
        await session.execute(statement)


async def _requeue(session: AsyncSession, retry: list[SubmitResult], attempts: dict[int, int], now: datetime) -> None:
    """Put retryable failures back to Pending, not before their back-off ends."""
    # The one backward move: the SMSC refused the submit, so nothing reached the phone.
    for r in retry:
        statement = (
            update(Delivery)
            .where(Delivery.id == r.delivery_id, Delivery.status == DeliveryStatus.SENDING)
            .values(
                status=DeliveryStatus.PENDING,
                error=(r.error or "")[:200],
                updated_at=now,
                lease_until=now + (UNSENT_DELAY if r.unsent else retry_delay(attempts.get(r.delivery_id, 1))),
                attempts=Delivery.attempts - 1 if r.unsent else Delivery.attempts,
            )
        )
        await session.execute(statement)


async def apply_receipts(db: Database, receipts: Sequence[Receipt]) -> set[str]:
    """Apply delivery reports; returns the SMSC ids that matched no delivery (yet).

    A late or repeated report never moves a status back. A report can overtake the commit of
    its own submit result, so the driver offers unmatched ones again a little later. A long text's
    parts each have a report; the delivery's status follows from all of them (services/messaging/parts.py).
    """
    now = datetime.now(UTC)
    async with db.write() as session:
        of_parts, moves = await apply_part_receipts(session, receipts)
        whole = [r for r in receipts if r.smsc_id not in of_parts]
        # Found before moving: on PostgreSQL each statement sees the commits made before it started, so a
        # submit result committed between the move and a later look would count as matched yet stay Sent.
        found = await session.execute(
            select(Delivery.id, Delivery.smsc_id).where(
                is_any_of(session, Delivery.smsc_id, {r.smsc_id for r in whole})
            )
        )
        ids_by_smsc: dict[str | None, list[int]] = {}
        for delivery_id, smsc_id in found:
            ids_by_smsc.setdefault(smsc_id, []).append(delivery_id)
        moves += [(d, r.status, r.error) for r in whole for d in ids_by_smsc.get(r.smsc_id, [])]
        await _record_receipt_events(session, await _move_all(session, moves, now), {d for d, _, _ in moves}, now)
    known = {*ids_by_smsc, *of_parts}
    record_receipts([r for r in receipts if r.smsc_id in known])  # unmatched ones come again later
    return {r.smsc_id for r in receipts} - known


async def _move_all(
    session: AsyncSession, items: Sequence[tuple[int, DeliveryStatus, str | None]], now: datetime
) -> list[Any] | None:
    """Move each delivery (by id) to its status with its error, forward only; the moved rows (None on SQLite)."""
    moved: list[Any] | None = []
    for status in sorted({status for _, status, _ in items}):
        # Delivered is final, so delivered_at is written once, by the report that moved it there.
        stamp = {"delivered_at": now} if status == DeliveryStatus.DELIVERED else {}
        ids, errors = [k for k, s, _ in items if s == status], [e for _, s, e in items if s == status]
        rows = await move_deliveries(
            session,
            status,
            statuses_before(status),
            ids,
            {"error": errors},
            {"updated_at": now, **stamp},
            EVENT_COLUMNS,
        )
        moved = None if rows is None or moved is None else [*moved, *rows]
    return moved


async def _record_receipt_events(session: AsyncSession, rows: list[Any] | None, ids: set[int], now: datetime) -> None:
    """Events for the rows the receipts moved: a repeated or late (ENROUTE after DELIVRD) one changes nothing."""
    moved = MovedRows()
    if rows is None:  # SQLite's executemany returned nothing: the rows this call stamped are the moved ones
        changed = select(Delivery.id).where(is_any_of(session, Delivery.id, ids), Delivery.updated_at == now)
        moved.touch((await session.scalars(changed)).all())
    else:
        moved.add(rows, ())
    await moved.record(session)


async def record_status_events(session: AsyncSession, delivery_ids: Iterable[int]) -> None:
    """One delivery.updated event per message whose deliveries changed (read back by id)."""
    moved = MovedRows()
    moved.touch(delivery_ids)
    await moved.record(session)
