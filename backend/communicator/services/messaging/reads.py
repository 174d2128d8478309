"""Read marks: per user, per inbound message; reading it in any thread clears it everywhere (docs/inbox.md)."""

from __future__ import annotations

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Message, MessageSeen, Thread, ThreadMessage
from communicator.db.session import Database, dialect_insert
from communicator.events import ThreadMarkedRead, record_event
from communicator.schemas import ThreadReadCount
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import Reach, check_scope, get_reach
from communicator.services.messaging.threads import get_thread, visible_threads
from communicator.services.messaging.unread import not_seen

# Bound parameters per IN list (SQLite allows 32,766 in all).
_CHUNK = 5000


async def mark_thread_read(db: Database, actor: Actor, thread_id: int, last_message_id: int) -> None:
    """Mark the thread's inbound messages up to `last_message_id` read, in every thread they are in."""
    check_scope(actor, "messages:read")
    async with db.write() as session:
        _thread, reach = await get_thread(session, actor, thread_id)
        unread = (
            select(literal(actor.user_id), ThreadMessage.message_id)
            .join(Message, Message.id == ThreadMessage.message_id)
            .where(
                ThreadMessage.thread_id == thread_id,
                ThreadMessage.message_id <= last_message_id,
                Message.direction == "in",
                not_seen(actor.user_id, ThreadMessage.message_id),
            )
        )
        await _record_reads(session, actor, reach, unread)


async def mark_all_read(db: Database, actor: Actor) -> int:
    """«Прочитать всё»: mark every inbound message in the caller's visible threads read; returns how many."""
    check_scope(actor, "messages:read")
    async with db.write() as session:
        reach = await get_reach(session, actor)
        in_visible = (
            select(ThreadMessage.message_id)
            .join(Thread, Thread.id == ThreadMessage.thread_id)
            .where(Thread.account_id == actor.account_id, visible_threads(reach))
        )
        unread = select(literal(actor.user_id), Message.id).where(
            Message.account_id == actor.account_id,
            Message.direction == "in",
            Message.id.in_(in_visible),
            not_seen(actor.user_id, Message.id),
        )
        return len(await _record_reads(session, actor, reach, unread))


async def _record_reads(session: AsyncSession, actor: Actor, reach: Reach, unread: Select[int, int]) -> list[int]:
    """Insert the marks; only the ones this call inserted go into the event, so each is counted once ever.

    ON CONFLICT DO NOTHING: on PostgreSQL a concurrent writer of the same mark waits for ours and inserts nothing,
    so two tabs reading at once never subtract the same message twice.
    """
    insert = dialect_insert(session, MessageSeen).from_select(["user_id", "message_id"], unread)
    inserted = await session.scalars(insert.on_conflict_do_nothing().returning(MessageSeen.message_id))
    message_ids = sorted(inserted)
    if message_ids:
        threads = await _count_by_thread(session, actor.account_id, reach, message_ids)
        event = ThreadMarkedRead(user_id=actor.user_id, message_ids=message_ids, threads=threads)
        await record_event(session, actor.account_id, event)
    return message_ids


async def _count_by_thread(
    session: AsyncSession, account_id: int, reach: Reach, message_ids: list[int]
) -> list[ThreadReadCount]:
    """How many of the messages each of the caller's visible threads holds."""
    counts: dict[int, int] = {}
    for start in range(0, len(message_ids), _CHUNK):
        query = (
            select(ThreadMessage.thread_id, func.count())
            .join(Thread, Thread.id == ThreadMessage.thread_id)
            .where(
                ThreadMessage.message_id.in_(message_ids[start : start + _CHUNK]),
                Thread.account_id == account_id,
                visible_threads(reach),
            )
            .group_by(ThreadMessage.thread_id)
        )
        for thread_id, count in await session.execute(query):
            counts[thread_id] = counts.get(thread_id, 0) + count
    return [ThreadReadCount(thread_id=t, read=n) for t, n in sorted(counts.items())]
