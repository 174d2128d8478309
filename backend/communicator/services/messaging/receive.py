"""Inbound SMS (MO): identify the sender, attach to threads (SPEC §2), store, record the event."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Delivery, Employee, Message, MessageTarget
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.events import MessageCreated, record_event
from communicator.schemas import MessageRead
from communicator.services.core.errors import InvalidInput
from communicator.services.directory.employees import check_phone
from communicator.services.messaging.threads import get_thread_id, record_in_threads, touch_threads
from communicator.services.messaging.views import list_message_reads
from communicator.sms.segments import count_segments


async def get_account_for_inbound(db: Database, short_number: str | None, phone: str) -> int:
    """The account an MO belongs to: by the short number it was sent to, else by the sender's phone."""
    phone = check_phone(phone)
    async with db.read() as session:
        query = select(Account.id).order_by(Account.id)
        if short_number:
            query = query.where(Account.short_number == short_number)
        else:
            known = select(Employee.account_id).where(Employee.phone == phone)
            found = await session.scalar(known.order_by(Employee.account_id).limit(1))
            if found is not None:
                return found
        account_id = await session.scalar(query.limit(1))
    if account_id is None:
        raise InvalidInput(f"No account uses the short number {short_number!r}.", code="unknown_short_number")
    return account_id


def _text_hash(text: str) -> str:
    """A stable fingerprint for de-duplicating an SMSC's re-sent MO."""
    return hashlib.sha256(text.encode()).hexdigest()


async def _find_duplicate(
    session: AsyncSession, account_id: int, smsc_id: str | None, phone: str, text_hash: str
) -> Message | None:
    """The same MO already stored (same SMSC id, sender and text), if any."""
    if smsc_id is None:
        return None
    query = select(Message).where(
        Message.account_id == account_id,
        Message.smsc_id == smsc_id,
        Message.sender_phone == phone,
        Message.text_hash == text_hash,
    )
    return await session.scalar(query)


async def _reply_context(session: AsyncSession, account_id: int, phone: str) -> tuple[int | None, list[int]]:
    """The most recent outbound message to this phone and the groups it was sent to."""
    last_sent = (
        select(Delivery.message_id)
        .where(Delivery.account_id == account_id, Delivery.phone == phone)
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    reply_to = await session.scalar(last_sent)
    if reply_to is None:
        return None, []
    groups = await session.scalars(select(MessageTarget.group_id).where(MessageTarget.message_id == reply_to))
    return reply_to, list(groups)


async def _record_in_threads(session: AsyncSession, message: Message, groups: list[int]) -> list[int]:
    """The sender's own thread (or the unknown senders'), plus the threads of the broadcast it answers."""
    account_id = message.account_id
    if message.employee_id:
        own = await get_thread_id(session, account_id, ThreadKind.EMPLOYEE, message.employee_id)
    else:
        own = await get_thread_id(session, account_id, ThreadKind.UNKNOWN)
    threads = [own] + [await get_thread_id(session, account_id, ThreadKind.GROUP, g) for g in groups]
    await record_in_threads(session, message.id, threads)
    return await touch_threads(session, message.id, message.created_at)


async def record_inbound(
    db: Database, account_id: int, sender: str, text: str, smsc_id: str | None = None
) -> MessageRead:
    """Store an MO (never dropped), attach it to its threads and record the event; idempotent per SMSC id."""
    phone = check_phone(sender)
    text_hash = _text_hash(text)
    async with db.write() as session:
        duplicate = await _find_duplicate(session, account_id, smsc_id, phone, text_hash)
        if duplicate is not None:
            return (await list_message_reads(session, [duplicate]))[0]
        employee_query = select(Employee.id).where(Employee.account_id == account_id, Employee.phone == phone)
        employee_id = await session.scalar(employee_query)
        reply_to, groups = await _reply_context(session, account_id, phone)
        segments = count_segments(text)
        message = Message(
            account_id=account_id,
            direction="in",
            text=text,
            parts=max(segments.parts, 1),
            encoding=segments.encoding,
            created_at=datetime.now(UTC),
            sender_phone=phone,
            employee_id=employee_id,
            reply_to_id=reply_to,
            smsc_id=smsc_id,
            text_hash=text_hash,
        )
        session.add(message)
        await session.flush()
        thread_ids = await _record_in_threads(session, message, groups)
        read = (await list_message_reads(session, [message]))[0]
        await record_event(session, account_id, MessageCreated(message=read, thread_ids=thread_ids))
    return read
