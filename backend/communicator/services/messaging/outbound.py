"""Storing checked sends: messages, deliveries (the queue), thread links and events, a whole batch per statement.

A send reaches here only after send.py checked it. One send or many concurrent ones (send_batch.py) take the
same path, so a batch of 32 M2M sends costs about as many statements as one send. docs/sending.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import msgspec
from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, Employee, Message, MessageTarget, Thread, ThreadMessage
from communicator.db.session import dialect_insert, insert_returning_ids, wake_gateways_after_commit
from communicator.domain import DeliveryStatus, ThreadKind
from communicator.events import MessageCreated, record_events
from communicator.schemas import MessageCreate, MessageRead
from communicator.services.core.actors import Actor
from communicator.services.directory.numbering import get_operator
from communicator.services.messaging.contact_threads import record_contact_threads
from communicator.services.messaging.outbound_reads import list_new_message_reads
from communicator.services.messaging.schedule import Timing
from communicator.services.messaging.tag_threads import record_in_tag_threads
from communicator.services.messaging.threads import record_in_employee_threads, record_thread
from communicator.sms.segments import count_segments


@dataclass(frozen=True, kw_only=True)
class CheckedSend:
    """A send that passed every check: who, what, to which phones (phone → employee id), when."""

    actor: Actor
    data: MessageCreate
    phones: dict[str, int | None]
    group_ids: list[int]
    timing: Timing
    sender_name: str | None
    follow_up_of: int | None = None


async def record_sends(session: AsyncSession, sends: Sequence[CheckedSend]) -> list[MessageRead]:
    """Store the sends with their deliveries, threads and events; their reads, in order."""
    rows = _message_rows(sends)
    ids = await insert_returning_ids(session, cast(Table, Message.__table__), rows)
    # Not added to the session: the reads below only look at their columns.
    messages = [Message(id=message_id, **row) for message_id, row in zip(ids, rows, strict=True)]
    await _insert_deliveries(session, messages, sends)
    await _record_thread_links(session, messages, sends)
    # client_id is not stored: only the sending tab needs it back, in the answer and in the event.
    reads = [
        msgspec.structs.replace(r, client_id=s.data.client_id)
        for r, s in zip(await list_new_message_reads(session, messages), sends, strict=True)
    ]
    thread_ids = await _touch_threads(session, messages)
    events = [
        # The event carries the summary, not the (possibly huge) delivery list.
        (m.account_id, MessageCreated(message=_summary_only(r), thread_ids=thread_ids.get(m.id, [])))
        for m, r in zip(messages, reads, strict=True)
    ]
    await record_events(session, events)
    if any(send.timing.send_at is None for send in sends):
        wake_gateways_after_commit(session)
    return reads


def _summary_only(read: MessageRead) -> MessageRead:
    """The read without its delivery page."""
    return msgspec.structs.replace(read, deliveries=None, deliveries_next=None)


def _message_rows(sends: Sequence[CheckedSend]) -> list[dict[str, Any]]:
    """The message rows to insert, one per send."""
    now = datetime.now(UTC)
    rows = []
    for send in sends:
        segments = count_segments(send.data.text)
        rows.append(
            {
                "account_id": send.actor.account_id,
                "direction": "out",
                "text": send.data.text,
                "parts": segments.parts,
                "encoding": segments.encoding,
                "created_at": now,
                "author_user_id": send.actor.user_id,
                "follow_up_of": send.follow_up_of,
                "send_at": send.timing.send_at,
                "valid_until": send.timing.valid_until,
                "sender_name": send.sender_name,
                "folded": 0,
            }
        )
    return rows


async def _list_operator_overrides(session: AsyncSession, account_ids: set[int]) -> dict[tuple[int, str], str]:
    """The phones whose operator an admin set by hand (few: only numbers that moved), by account."""
    query = select(Employee.account_id, Employee.phone, Employee.operator_override).where(
        Employee.account_id.in_(account_ids), Employee.operator_override.is_not(None)
    )
    return {(account, phone): operator or "" for account, phone, operator in await session.execute(query)}


async def _insert_deliveries(session: AsyncSession, messages: list[Message], sends: Sequence[CheckedSend]) -> None:
    """One delivery per phone with its operator (billing), in one executemany (the queue is these rows)."""
    overrides = await _list_operator_overrides(session, {m.account_id for m in messages})
    rows = []
    for message, send in zip(messages, sends, strict=True):
        # A scheduled one waits as Scheduled with its due time where a Pending row keeps its "not before".
        status = DeliveryStatus.SCHEDULED if message.send_at else DeliveryStatus.PENDING
        rows += [
            {
                "account_id": message.account_id,
                "message_id": message.id,
                "phone": phone,
                "employee_id": employee_id,
                "status": status,
                "lease_until": message.send_at,
                "expires_at": message.valid_until,
                "parts": message.parts,
                "attempts": 0,
                "updated_at": message.created_at,
                "possible_duplicate": False,
                "operator": get_operator(phone, overrides.get((message.account_id, phone))),
            }
            for phone, employee_id in send.phones.items()
        ]
    # The table, not the mapped class: a plain executemany, without the ORM's per-row bookkeeping.
    await session.execute(insert(cast(Table, Delivery.__table__)), rows)


async def _record_thread_links(session: AsyncSession, messages: list[Message], sends: Sequence[CheckedSend]) -> None:
    """Link each message to its group, contact, employee and #tag threads (recording new threads first)."""
    links: list[dict[str, int]] = []
    contact_threads = await _record_contact_threads(session, messages, sends)
    for message, send in zip(messages, sends, strict=True):
        groups = sorted(set(send.group_ids))
        session.add_all([MessageTarget(message_id=message.id, group_id=g) for g in groups])
        threads = {await record_thread(session, message.account_id, ThreadKind.GROUP, g) for g in groups}
        threads |= {contact_threads[message.account_id, p] for p, e in send.phones.items() if e is None}
        links += [{"thread_id": t, "message_id": message.id} for t in sorted(threads)]
    if links:
        await session.execute(dialect_insert(session, ThreadMessage).on_conflict_do_nothing(), links)
    for account_id, message_ids in _employee_messages(messages, sends).items():
        await record_in_employee_threads(session, account_id, message_ids)
    for message, send in zip(messages, sends, strict=True):
        await record_in_tag_threads(session, message.account_id, message.id, send.data.text, send.data.recipients.tags)


async def _record_contact_threads(
    session: AsyncSession, messages: list[Message], sends: Sequence[CheckedSend]
) -> dict[tuple[int, str], int]:
    """The thread of every number outside the staff in the batch, by (account, phone)."""
    numbers: dict[int, set[str]] = defaultdict(set)
    for message, send in zip(messages, sends, strict=True):
        numbers[message.account_id] |= {phone for phone, employee_id in send.phones.items() if employee_id is None}
    threads: dict[tuple[int, str], int] = {}
    for account_id, phones in numbers.items():
        if phones:
            found = await record_contact_threads(session, account_id, sorted(phones))
            threads.update({(account_id, phone): thread_id for phone, thread_id in found.items()})
    return threads


def _employee_messages(messages: list[Message], sends: Sequence[CheckedSend]) -> dict[int, list[int]]:
    """The messages that went to at least one employee, by account."""
    found: dict[int, list[int]] = defaultdict(list)
    for message, send in zip(messages, sends, strict=True):
        if any(employee_id is not None for employee_id in send.phones.values()):
            found[message.account_id].append(message.id)
    return found


async def _touch_threads(session: AsyncSession, messages: list[Message]) -> dict[int, list[int]]:
    """Make each thread's newest message of the batch its last activity; the thread ids of each message."""
    ids = [m.id for m in messages]
    pairs = await session.execute(
        select(ThreadMessage.message_id, ThreadMessage.thread_id).where(ThreadMessage.message_id.in_(ids))
    )
    by_message: dict[int, list[int]] = defaultdict(list)
    newest: dict[int, int] = {}
    for message_id, thread_id in pairs:
        by_message[message_id].append(thread_id)
        newest[thread_id] = max(newest.get(thread_id, 0), message_id)
    if newest:
        at = {m.id: m.created_at for m in messages}
        rows = [{"id": t, "last_message_id": m, "last_activity_at": at[m]} for t, m in newest.items()]
        # A bulk UPDATE by primary key (one executemany); no Thread object is loaded.
        await session.execute(update(Thread), rows)
    return {message_id: sorted(threads) for message_id, threads in by_message.items()}
