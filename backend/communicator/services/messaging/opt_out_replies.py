"""«СТОП» from an external contact: record the opt-out and confirm it by one SMS (docs/tags.md).

An employee's «СТОП» is an ordinary message: their tags are duties an Administrator assigns (an on-call
engineer must not leave #авария by a text); it stays in their conversation for the admin to act on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Contact, Delivery, Message
from communicator.db.session import wake_gateways_after_commit
from communicator.domain import DeliveryStatus
from communicator.events import ContactUpdated, MessageCreated, record_event
from communicator.schemas import MessageRead
from communicator.services.directory.contacts import read_contact
from communicator.services.directory.numbering import get_operator
from communicator.services.directory.opt_outs import record_opt_out
from communicator.services.messaging.contact_threads import record_contact_threads
from communicator.services.messaging.threads import record_in_threads, touch_threads
from communicator.services.messaging.views import get_message_page
from communicator.sms.segments import count_segments
from communicator.sms.tags import parse_stop


def confirmation_text(tags: list[str]) -> str:
    """The SMS that confirms an opt-out, naming the tags left."""
    listed = ", ".join(f"#{tag}" for tag in tags)
    return f"Вы отписались от {listed}. Чтобы вернуться, обратитесь к администратору."


async def apply_opt_out_reply(session: AsyncSession, account_id: int, inbound: MessageRead) -> None:
    """If the SMS is a contact's «СТОП [#тег…]», opt it out and confirm once (a repeated «СТОП» changes nothing)."""
    tags = parse_stop(inbound.text)
    if tags is None or inbound.employee_id is not None or inbound.sender_phone is None:
        return
    query = select(Contact).where(Contact.account_id == account_id, Contact.phone == inbound.sender_phone)
    contact = await session.scalar(query)
    if contact is None:
        return
    left = await record_opt_out(session, contact, tags, inbound.created_at)
    if not left:
        return
    read = await read_contact(session, contact)
    await record_event(session, account_id, ContactUpdated(contact=read))
    await _send_confirmation(session, account_id, contact.phone, confirmation_text(left), inbound.created_at)


async def _send_confirmation(session: AsyncSession, account_id: int, phone: str, text: str, now: datetime) -> None:
    """One SMS from the account itself (no author) to the number, in its thread, queued at once."""
    segments = count_segments(text)
    message = Message(
        account_id=account_id,
        direction="out",
        text=text,
        parts=segments.parts,
        encoding=segments.encoding,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    delivery = Delivery(
        account_id=account_id,
        message_id=message.id,
        phone=phone,
        status=DeliveryStatus.PENDING,
        parts=message.parts,
        attempts=0,
        updated_at=now,
        possible_duplicate=False,
        operator=get_operator(phone, None),
    )
    session.add(delivery)
    thread = (await record_contact_threads(session, account_id, [phone]))[phone]
    await record_in_threads(session, message.id, [thread])
    thread_ids = await touch_threads(session, message.id, now)
    read = await get_message_page(session, message)
    await record_event(session, account_id, MessageCreated(message=read, thread_ids=thread_ids))
    wake_gateways_after_commit(session)
