"""«Напомнить не ответившим»: a reminder to the recipients of an earlier message who have not answered it."""

from __future__ import annotations

from sqlalchemy import select

from communicator.db.models import Delivery, Message, MessageTarget
from communicator.db.session import Database
from communicator.schemas import FollowUpCreate, MessageCreate, MessageRead, Recipients
from communicator.services.core import permissions
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.messaging.delivery_list import answered
from communicator.services.messaging.send import check_text, send_resolved
from communicator.services.messaging.threads import check_message_visible


async def send_follow_up(db: Database, actor: Actor, message_id: int, data: FollowUpCreate) -> MessageRead:
    """Send `data.text` to the message's recipients (those the caller reaches) who did not answer, linked to it."""
    permissions.check_scope(actor, "messages:send")
    check_text(data.text)
    async with db.write() as session:
        original = await access_row(session, Message, message_id, actor, "Message")
        reach = await permissions.get_reach(session, actor)
        await check_message_visible(session, reach, original.id)
        if original.direction != "out":
            raise InvalidInput("Only a sent message has recipients to remind.", code="not_outbound")
        query = select(Delivery.phone, Delivery.employee_id).where(
            Delivery.message_id == original.id, ~answered(original)
        )
        if not reach.everyone:
            query = query.where(Delivery.employee_id.in_(reach.employee_ids))
        phones: dict[str, int | None] = {phone: employee for phone, employee in await session.execute(query)}
        if not phones:
            raise InvalidInput("Every recipient has answered; there is no one to remind.", code="no_unanswered")
        groups = list(
            await session.scalars(select(MessageTarget.group_id).where(MessageTarget.message_id == original.id))
        )
        send = MessageCreate(
            text=data.text, recipients=Recipients(), client_id=data.client_id, confirmed=data.confirmed
        )
        # The reminder sits in the original's group threads too, so its answers nest where the question was asked.
        return await send_resolved(session, actor, send, phones, groups, follow_up_of=original.id)
