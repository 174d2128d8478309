"""Inbound SMS (MO): route by the sender (docs/inbound.md), attach to threads (SPEC §2), store, record the event."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Delivery, Employee, Message, MessageTarget, UnroutedMessage
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.events import MessageCreated, record_event
from communicator.schemas import MessageRead, UnroutedRead
from communicator.services.messaging.contact_threads import record_contact_threads
from communicator.services.messaging.opt_out_replies import apply_opt_out_reply
from communicator.services.messaging.routing import check_sender, get_inbound_account, select_owners
from communicator.services.messaging.tag_threads import get_message_tags, record_tag_threads
from communicator.services.messaging.threads import record_in_threads, record_thread, touch_threads
from communicator.services.messaging.views import list_message_reads
from communicator.sms.segments import count_segments


class Inbound(msgspec.Struct, frozen=True, kw_only=True):
    """One MO as the SMSC handed it over, sender already checked."""

    sender: str
    text: str
    received_at: datetime
    smsc_id: str | None
    text_hash: str


async def receive_sms(
    db: Database, short_number: str | None, sender: str, text: str, smsc_id: str | None = None
) -> MessageRead | UnroutedRead:
    """Route an MO to its account (or the unrouted inbox) and store it, in one transaction; idempotent per SMSC id."""
    mo = Inbound(
        sender=check_sender(sender),
        text=text,
        received_at=datetime.now(UTC),
        smsc_id=smsc_id,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    async with db.write() as session:
        duplicate = await _find_duplicate(session, short_number, mo)
        if duplicate is not None:
            return duplicate
        account_id = await get_inbound_account(session, short_number, mo.sender)
        if account_id is None:
            return await _record_unrouted(session, short_number, mo)
        return await record_in_account(session, account_id, mo)


async def _find_duplicate(
    session: AsyncSession, short_number: str | None, mo: Inbound
) -> MessageRead | UnroutedRead | None:
    """The same MO already stored (same SMSC id, sender and text), routed or not, if any."""
    if mo.smsc_id is None:
        return None
    unrouted = await session.scalar(
        select(UnroutedMessage).where(
            UnroutedMessage.smsc_id == mo.smsc_id,
            UnroutedMessage.sender == mo.sender,
            UnroutedMessage.text_hash == mo.text_hash,
        )
    )
    if unrouted is not None and unrouted.message_id is None:
        return unrouted_read(unrouted)
    if unrouted is not None:  # assigned since, perhaps to an account that does not own the short number
        message = await session.get(Message, unrouted.message_id)
    else:
        same = select(Message).where(
            Message.account_id.in_(select_owners(short_number)),
            Message.smsc_id == mo.smsc_id,
            Message.sender_phone == mo.sender,
            Message.text_hash == mo.text_hash,
        )
        message = await session.scalar(same.limit(1))
    return None if message is None else (await list_message_reads(session, [message]))[0]


async def _record_unrouted(session: AsyncSession, short_number: str | None, mo: Inbound) -> UnroutedRead:
    """Keep an MO no account could be chosen for, for a platform admin to assign."""
    row = UnroutedMessage(short_number=short_number, **msgspec.structs.asdict(mo))
    session.add(row)
    await session.flush()
    return unrouted_read(row)


def unrouted_read(row: UnroutedMessage) -> UnroutedRead:
    """An unrouted message as the platform inbox shows it."""
    return UnroutedRead(
        id=row.id, short_number=row.short_number, sender=row.sender, text=row.text, received_at=row.received_at
    )


def is_within_window(sent_at: datetime, received_at: datetime, window_hours: int) -> bool:
    """Whether an SMS received at `received_at` still answers an outbound sent at `sent_at`."""
    return received_at - sent_at <= timedelta(hours=window_hours)


async def _reply_context(session: AsyncSession, account_id: int, mo: Inbound) -> tuple[int | None, list[int]]:
    """The outbound this SMS answers (the last one to its phone, if within the account's reply window) and its groups.

    Later SMS stand alone in the sender's own thread («где ключи?» an hour later is not about the old broadcast).
    """
    last_sent = (
        select(Delivery.message_id, Message.created_at)
        .join(Message, Message.id == Delivery.message_id)
        .where(Delivery.account_id == account_id, Delivery.phone == mo.sender)
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    found = (await session.execute(last_sent)).first()
    window = await session.scalar(select(Account.reply_window_hours).where(Account.id == account_id))
    if found is None or not is_within_window(found.created_at, mo.received_at, window or 0):
        return None, []
    groups = await session.scalars(select(MessageTarget.group_id).where(MessageTarget.message_id == found.message_id))
    return found.message_id, list(groups)


async def _record_in_threads(session: AsyncSession, message: Message, groups: list[int]) -> list[int]:
    """The sender's own thread (an employee's or the number's contact thread), plus by SPEC §2's rules in order:
    1. the threads of its #tags, when it carries any; 3. otherwise the answered broadcast's group threads.
    """
    account_id = message.account_id
    if message.employee_id:
        own = await record_thread(session, account_id, ThreadKind.EMPLOYEE, message.employee_id)
    else:
        own = (await record_contact_threads(session, account_id, [message.sender_phone or ""]))[
            message.sender_phone or ""
        ]
    tagged = await record_tag_threads(session, account_id, get_message_tags(message.text))
    threads = [own, *tagged]
    if not tagged:
        threads += [await record_thread(session, account_id, ThreadKind.GROUP, g) for g in groups]
    await record_in_threads(session, message.id, threads)
    return await touch_threads(session, message.id, message.created_at)


async def record_in_account(session: AsyncSession, account_id: int, mo: Inbound) -> MessageRead:
    """Store an MO as the account's inbound message, attach it to its threads and record the event."""
    employee_query = select(Employee.id).where(Employee.account_id == account_id, Employee.phone == mo.sender)
    employee_id = await session.scalar(employee_query)
    reply_to, groups = await _reply_context(session, account_id, mo)
    segments = count_segments(mo.text)
    message = Message(
        account_id=account_id,
        direction="in",
        text=mo.text,
        parts=max(segments.parts, 1),
        encoding=segments.encoding,
        created_at=mo.received_at,
        sender_phone=mo.sender,
        employee_id=employee_id,
        reply_to_id=reply_to,
        smsc_id=mo.smsc_id,
        text_hash=mo.text_hash,
    )
    session.add(message)
    await session.flush()
    thread_ids = await _record_in_threads(session, message, groups)
    read = (await list_message_reads(session, [message]))[0]
    await record_event(session, account_id, MessageCreated(message=read, thread_ids=thread_ids))
    await apply_opt_out_reply(session, message)
    return read
