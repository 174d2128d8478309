"""Message statuses and message lists by date for machine clients (the M2M API). See docs/m2m.md."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select

from communicator.db.models import Delivery, Message, Thread, ThreadMessage
from communicator.db.session import Database
from communicator.domain import Direction
from communicator.schemas import MessageRead
from communicator.services.core import permissions
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.messaging.threads import check_message_visible, visible_threads
from communicator.services.messaging.views import list_message_reads

# One answer carries at most this many messages (newest first); a client narrows the dates for more.
MAX_LISTED = 1000
MAX_IDS = 1000


async def list_message_statuses(db: Database, actor: Actor, message_ids: Sequence[int]) -> list[MessageRead]:
    """The messages with every delivery the caller may see, in the order asked; an unknown id is NotFound."""
    permissions.check_scope(actor, "messages:read")
    wanted = list(dict.fromkeys(message_ids))[:MAX_IDS]
    async with db.read() as session:
        reach = await permissions.get_reach(session, actor)
        messages = []
        for message_id in wanted:
            message = await access_row(session, Message, message_id, actor, "Message")
            await check_message_visible(session, reach, message.id)
            messages.append(message)
        return await list_message_reads(session, messages, with_deliveries=True, reach=reach)


async def list_messages_between(
    db: Database,
    actor: Actor,
    direction: Direction | None,
    phones: Sequence[str],
    since: datetime,
    until: datetime,
) -> list[MessageRead]:
    """Messages created in [since, until] the caller may see, newest first; only those to or from `phones` if given."""
    permissions.check_scope(actor, "messages:read")
    query = select(Message).where(
        Message.account_id == actor.account_id, Message.created_at >= since, Message.created_at <= until
    )
    if direction is not None:
        query = query.where(Message.direction == direction)
    if phones:
        to_phones = exists().where(Delivery.message_id == Message.id, Delivery.phone.in_(phones))
        query = query.where((Message.sender_phone.in_(phones)) | to_phones)
    async with db.read() as session:
        reach = await permissions.get_reach(session, actor)
        if not reach.everyone:
            seen = (
                select(ThreadMessage.message_id)
                .join(Thread, Thread.id == ThreadMessage.thread_id)
                .where(ThreadMessage.message_id == Message.id, visible_threads(reach))
            )
            query = query.where(seen.exists())
        messages = (await session.scalars(query.order_by(Message.id.desc()).limit(MAX_LISTED))).all()
        return await list_message_reads(session, messages, with_deliveries=True, reach=reach)
