"""The reads of messages just stored: what `get_message_page` shows for each, for a whole batch at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, Message
from communicator.schemas import DeliveryRead, MessageRead
from communicator.services.messaging.views import (
    DELIVERY_PAGE,
    get_message_page,
    list_delivery_reads,
    list_message_reads,
    select_deliveries,
)


async def list_new_message_reads(session: AsyncSession, messages: Sequence[Message]) -> list[MessageRead]:
    """Each new message with its first page of deliveries, as `get_message_page` would give it (to the sender).

    Messages whose deliveries fit on one page share one query; a larger fan-out is paged on its own. A message
    stored in this transaction has no replies yet, so no delivery shows one.
    """
    reads = await list_message_reads(session, messages)
    pages = await _list_whole_pages(session, [r.id for r in reads if r.summary.total <= DELIVERY_PAGE])
    return [
        msgspec.structs.replace(read, deliveries=pages.get(read.id, []), deliveries_next=None)
        if read.summary.total <= DELIVERY_PAGE
        else await get_message_page(session, message)
        for message, read in zip(messages, reads, strict=True)
    ]


async def _list_whole_pages(session: AsyncSession, message_ids: list[int]) -> dict[int, list[DeliveryRead]]:
    """All deliveries of each of these messages (each fits on one page), by id."""
    if not message_ids:
        return {}
    query = select_deliveries().where(Delivery.message_id.in_(message_ids)).order_by(Delivery.id)
    rows = (await session.execute(query)).all()
    found: dict[int, list[DeliveryRead]] = defaultdict(list)
    for row, read in zip(rows, await list_delivery_reads(session, rows, {}), strict=True):
        found[row.message_id].append(read)
    return found
