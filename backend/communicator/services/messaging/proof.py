"""Proof of notification: each recipient of an outbound message with sent, delivered and first-reply times, as .xlsx."""

from __future__ import annotations

import asyncio
import io
from zoneinfo import ZoneInfo

from communicator.db.models import Delivery, Message
from communicator.db.session import Database
from communicator.schemas import DeliveryRead
from communicator.services.core import permissions
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.messaging.delivery_list import get_first_replies
from communicator.services.messaging.export_rows import STATUSES, get_account_zone, local_time
from communicator.services.messaging.threads import check_message_visible
from communicator.services.messaging.views import DELIVERY_PAGE, list_delivery_reads, select_deliveries
from communicator.xlsx import SheetWriter
from communicator.xlsx.writer import Cell

PROOF_HEADER = ["Получатель", "Телефон", "Статус", "Отправлено", "Доставлено", "Первый ответ"]


async def write_proof(db: Database, actor: Actor, message_id: int) -> bytes:
    """The .xlsx of a message's recipients the caller may see, a page of deliveries at a time."""
    permissions.check_scope(actor, "messages:read")
    target = io.BytesIO()
    writer = SheetWriter(target, PROOF_HEADER, sheet_name=f"Сообщение {message_id}")
    try:
        async with db.read() as session:
            message = await access_row(session, Message, message_id, actor, "Message")
            reach = await permissions.get_reach(session, actor)
            await check_message_visible(session, reach, message.id)
            if message.direction != "out":
                raise InvalidInput(f"Message {message_id} is inbound; it has no recipients.", code="not_outbound")
            zone, _ = await get_account_zone(session, message.account_id)
            after = 0
            while True:
                query = (
                    select_deliveries()
                    .where(Delivery.message_id == message.id, Delivery.id > after)
                    .order_by(Delivery.id)
                    .limit(DELIVERY_PAGE)
                )
                if not reach.everyone:
                    query = query.where(Delivery.employee_id.in_(reach.employee_ids))
                page = (await session.execute(query)).all()
                if not page:
                    break
                replied = await get_first_replies(session, message, {row.phone for row in page})
                reads = await list_delivery_reads(session, page, replied)
                await asyncio.to_thread(writer.write_rows, [_cells(read, zone) for read in reads])
                after = page[-1].id
    finally:
        await asyncio.to_thread(writer.close)
    return target.getvalue()


def _cells(read: DeliveryRead, zone: ZoneInfo) -> list[Cell]:
    """One recipient's row, times in the account's zone."""
    return [
        read.employee_name,
        read.phone,
        STATUSES.get(read.status, read.status),
        local_time(read.sent_at, zone),
        local_time(read.delivered_at, zone),
        local_time(read.replied_at, zone),
    ]
