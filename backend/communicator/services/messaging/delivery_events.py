"""delivery.updated events from the rows a transaction moved: one per message, all in one INSERT. See docs/gateway.md.

A move that can say which rows it changed (UPDATE … RETURNING) hands them over as they are, so nothing is read
back; the rest (SQLite's executemany, the rare requeue and flag updates) are read back by id before the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery
from communicator.domain import DeliveryStatus
from communicator.events import DeliveryUpdated, record_events
from communicator.schemas import DeliveryRead
from communicator.services.messaging.batch_update import is_any_of
from communicator.services.messaging.views import get_summaries, list_delivery_reads, select_deliveries

# What an event needs of a moved row: an UPDATE … RETURNING these (first) gives it without a read back.
EVENT_COLUMNS = tuple(select_deliveries().selected_columns)


class EventRow(NamedTuple):
    """EVENT_COLUMNS by name at tuple speed: a SQLAlchemy Row's attribute look-up costs ~0.5 µs, 11 a delivery."""

    id: int
    message_id: int
    account_id: int
    phone: str
    employee_id: int | None
    status: DeliveryStatus
    updated_at: datetime
    error: str | None
    possible_duplicate: bool
    sent_at: datetime | None
    delivered_at: datetime | None


class MovedRows:
    """The deliveries one transaction changed, for its events: returned rows, and ids to read back."""

    def __init__(self) -> None:
        self.rows: dict[int, Any] = {}
        self.stale: set[int] = set()

    def add(self, rows: Sequence[Any] | None, ids: Iterable[int]) -> None:
        """Rows a move returned (as they are now); None when it could not return them: its ids are read back."""
        if rows is None:
            self.touch(ids)
            return
        for row in rows:
            self.rows[row.id] = row

    def touch(self, ids: Iterable[int]) -> None:
        """Deliveries changed by a statement that returned nothing: read them back before the events."""
        self.stale.update(ids)

    async def record(self, session: AsyncSession) -> None:
        """One delivery.updated event per message whose deliveries changed."""
        fresh = [row for row_id, row in self.rows.items() if row_id not in self.stale]
        await record_moved_events(session, fresh + await _read_back(session, self.stale))


async def _read_back(session: AsyncSession, ids: set[int]) -> list[Any]:
    """The event columns of these deliveries as they are now."""
    if not ids:
        return []
    query = select_deliveries().where(is_any_of(session, Delivery.id, sorted(ids)))
    connection = await session.connection()  # plain rows, without the ORM's result handling
    return list((await connection.execute(query)).all())


async def record_moved_events(session: AsyncSession, rows: Sequence[Any]) -> None:
    """One delivery.updated event per message among these rows (select_deliveries' columns), in one INSERT."""
    if not rows:
        return
    width = len(EVENT_COLUMNS)
    ordered = sorted((EventRow._make(row[:width]) for row in rows), key=itemgetter(0))  # by delivery id
    reads = await list_delivery_reads(session, ordered)  # one look-up of the employees' names for all
    by_message: dict[int, tuple[int, list[DeliveryRead]]] = {}
    for row, read in zip(ordered, reads, strict=True):
        by_message.setdefault(row.message_id, (row.account_id, []))[1].append(read)
    summaries = await get_summaries(session, list(by_message))
    events = [
        (account_id, DeliveryUpdated(message_id=message_id, deliveries=deliveries, summary=summaries[message_id]))
        for message_id, (account_id, deliveries) in by_message.items()
    ]
    await record_events(session, events)
