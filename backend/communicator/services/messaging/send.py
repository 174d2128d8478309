"""Sending: compose → recipients → permission check → message + deliveries (the queue) → event.

The checks are in send_checks.py, the storing in outbound.py; concurrent sends share statements (send_batch.py).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Message
from communicator.db.session import Database
from communicator.schemas import MessageCreate, MessageRead
from communicator.services.core import permissions
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.messaging.outbound import record_sends
from communicator.services.messaging.schedule import Timing
from communicator.services.messaging.send_batch import get_send_batcher
from communicator.services.messaging.send_checks import (
    MAX_TEXT_LENGTH,
    NOW,
    check_resolved,
    check_text,
    resolve_recipients,
)
from communicator.services.messaging.threads import check_message_visible
from communicator.services.messaging.views import FIRST_PAGE, DeliveryQuery, get_message_page

__all__ = ["MAX_TEXT_LENGTH", "check_text", "get_message", "resolve_recipients", "send_message", "send_resolved"]


async def send_message(db: Database, actor: Actor, data: MessageCreate) -> MessageRead:
    """Accept a message: store it with one delivery per phone (Pending, or Scheduled to send later), in one transaction.

    Concurrent sends are stored together (send_batch.py); each is checked on its own and fails on its own.
    """
    permissions.check_scope(actor, "messages:send")
    check_text(data.text)
    return await get_send_batcher(db).send(actor, data)


async def send_resolved(
    session: AsyncSession,
    actor: Actor,
    data: MessageCreate,
    phones: dict[str, int | None],
    group_ids: list[int],
    timing: Timing = NOW,
    follow_up_of: int | None = None,
) -> MessageRead:
    """Check and store a send whose recipients are known, record its event and wake the gateways when it is due now."""
    checked = await check_resolved(session, actor, data, phones, group_ids, timing, follow_up_of)
    return (await record_sends(session, [checked]))[0]


async def get_message(db: Database, actor: Actor, message_id: int, page_of: DeliveryQuery = FIRST_PAGE) -> MessageRead:
    """One message the caller may see, with a page of the deliveries they may see (the summary counts them all)."""
    permissions.check_scope(actor, "messages:read")
    async with db.read() as session:
        message = await access_row(session, Message, message_id, actor, "Message")
        reach = await permissions.get_reach(session, actor)
        await check_message_visible(session, reach, message.id)
        return await get_message_page(session, message, reach, page_of)
