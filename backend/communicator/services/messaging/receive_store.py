"""Storing a routed inbound SMS: the message, its threads (SPEC §2), its read, its event, an opt-out's reply.

Built from what receive_facts.py read, so a reply from a known sender into threads that exist costs five
statements (message, thread links, thread touch, event, webhook outbox); new threads and #tags add their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import msgspec
from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Message, Thread, ThreadMessage
from communicator.domain import ThreadKind
from communicator.events import MessageCreated, record_events
from communicator.schemas import MessageRead, Summary
from communicator.services.messaging.contact_threads import record_contact_threads
from communicator.services.messaging.opt_out_replies import apply_opt_out_reply
from communicator.services.messaging.receive_facts import InboundFacts, Known
from communicator.services.messaging.tag_threads import get_message_tags, record_tag_threads
from communicator.services.messaging.threads import record_thread
from communicator.sms.segments import count_segments

_messages = cast(Table, Message.__table__)
_threads = cast(Table, Thread.__table__)
# Built once: a statement built per call costs more CPU than SQLite takes to run it.
_INSERT_MESSAGE = insert(_messages).returning(_messages.c.id)
_INSERT_LINKS = insert(cast(Table, ThreadMessage.__table__))
_TOUCH_THREADS = (
    update(_threads)
    .where(_threads.c.id.in_(bindparam("ids", expanding=True)))
    .values(last_message_id=bindparam("message"), last_activity_at=bindparam("at"))
)


class Inbound(msgspec.Struct, frozen=True, kw_only=True):
    """One MO as the SMSC handed it over, sender already checked."""

    sender: str
    text: str
    received_at: datetime
    smsc_id: str | None
    text_hash: str


def is_within_window(sent_at: datetime, received_at: datetime, window_hours: int) -> bool:
    """Whether an SMS received at `received_at` still answers an outbound sent at `sent_at`."""
    return received_at - sent_at <= timedelta(hours=window_hours)


def get_reply_context(facts: InboundFacts, account_id: int, received_at: datetime) -> tuple[int | None, list[int]]:
    """The outbound this SMS answers (the last one to its phone, if within the account's reply window) and its groups.

    Later SMS stand alone in the sender's own thread («где ключи?» an hour later is not about the old broadcast).
    """
    last = facts.last
    if last is None or last.account_id != account_id:
        return None, []
    if not is_within_window(last.sent_at, received_at, last.window_hours):
        return None, []
    return last.message_id, sorted(facts.group_threads)


async def record_inbound(session: AsyncSession, account_id: int, mo: Inbound, facts: InboundFacts) -> MessageRead:
    """Store an MO as the account's inbound message in its threads, and record the event."""
    employee = facts.employees.get(account_id)
    reply_to, groups = get_reply_context(facts, account_id, mo.received_at)
    segments = count_segments(mo.text)
    row = {
        "account_id": account_id,
        "direction": "in",
        "text": mo.text,
        "parts": max(segments.parts, 1),
        "encoding": segments.encoding,
        "created_at": mo.received_at,
        "sender_phone": mo.sender,
        "employee_id": employee.ref_id if employee else None,
        "reply_to_id": reply_to,
        "smsc_id": mo.smsc_id,
        "text_hash": mo.text_hash,
    }
    message_id: int = (await session.execute(_INSERT_MESSAGE, row)).scalar_one()
    thread_ids = await _record_in_threads(session, account_id, message_id, mo, facts, groups)
    contact = None if employee else facts.contacts.get(account_id)
    read = _inbound_read(message_id, row, employee, contact)
    await record_events(session, [(account_id, MessageCreated(message=read, thread_ids=thread_ids))])
    await apply_opt_out_reply(session, account_id, read)
    return read


def _inbound_read(message_id: int, row: dict[str, Any], employee: Known | None, contact: Known | None) -> MessageRead:
    """The new message as list_message_reads shows it: no author, no deliveries, no follow-ups (it is inbound)."""
    return MessageRead(
        id=message_id,
        direction="in",
        text=row["text"],
        parts=row["parts"],
        encoding=row["encoding"],
        created_at=row["created_at"],
        author_name=None,
        sender_phone=row["sender_phone"],
        employee_id=row["employee_id"],
        employee_name=employee.name if employee else None,
        reply_to_id=row["reply_to_id"],
        summary=Summary(total=0, counts={}),
        contact_name=contact.name if contact else None,
    )


async def _record_in_threads(
    session: AsyncSession, account_id: int, message_id: int, mo: Inbound, facts: InboundFacts, groups: list[int]
) -> list[int]:
    """Link the message to the sender's own thread (the employee's, or the number's contact thread), plus by SPEC §2's
    rules in order: 1. the threads of its #tags, when it carries any; 3. otherwise the answered broadcast's group
    threads. Makes it their newest activity; returns their ids.
    """
    threads = {await _own_thread(session, account_id, mo.sender, facts)}
    tagged = await record_tag_threads(session, account_id, get_message_tags(mo.text)) if "#" in mo.text else []
    threads |= set(tagged)
    if not tagged:
        for group_id in groups:
            found = facts.group_threads[group_id]
            threads.add(found or await record_thread(session, account_id, ThreadKind.GROUP, group_id))
    ids = sorted(threads)
    await session.execute(_INSERT_LINKS, [{"thread_id": t, "message_id": message_id} for t in ids])
    await session.execute(_TOUCH_THREADS, {"ids": ids, "message": message_id, "at": mo.received_at})
    return ids


async def _own_thread(session: AsyncSession, account_id: int, sender: str, facts: InboundFacts) -> int:
    """The sender's thread in the account, recorded (with the contact) when it is the first time."""
    employee = facts.employees.get(account_id)
    if employee is not None:
        return employee.thread_id or await record_thread(session, account_id, ThreadKind.EMPLOYEE, employee.ref_id)
    contact = facts.contacts.get(account_id)
    if contact is not None and contact.thread_id is not None:
        return contact.thread_id
    return (await record_contact_threads(session, account_id, [sender]))[sender]

