"""Threads: per employee, per group, per contact (a number outside the staff) and per #tag; recording, a thread's
messages. The list of threads: thread_list.py; who sees which: thread_access.py (both re-exported here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, Message, Thread, ThreadMessage
from communicator.db.session import Database, dialect_insert
from communicator.domain import ThreadKind
from communicator.schemas import ThreadPage
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import check_scope
from communicator.services.messaging.thread_access import check_message_visible, get_thread, visible_threads
from communicator.services.messaging.thread_list import THREAD_PAGE, get_thread_view, list_thread_page, list_threads
from communicator.services.messaging.views import list_message_reads

__all__ = [
    "THREAD_PAGE",
    "check_message_visible",
    "get_thread",
    "get_thread_view",
    "list_thread_messages",
    "list_thread_page",
    "list_threads",
    "record_in_employee_threads",
    "record_in_threads",
    "record_thread",
    "touch_threads",
    "visible_threads",
]


async def record_thread(session: AsyncSession, account_id: int, kind: ThreadKind, ref_id: int = 0) -> int:
    """The id of a thread, recording the thread first when it is new."""
    values = dialect_insert(session, Thread).values(account_id=account_id, kind=kind, ref_id=ref_id)
    # An update that changes nothing, so that an existing row returns its id too: one round trip.
    upsert = values.on_conflict_do_update(
        index_elements=[Thread.account_id, Thread.kind, Thread.ref_id], set_={"kind": values.excluded.kind}
    )
    thread_id: int = (await session.execute(upsert.returning(Thread.id))).scalar_one()
    return thread_id


async def record_in_employee_threads(session: AsyncSession, account_id: int, message_ids: list[int]) -> None:
    """Put outbound messages in the thread of every employee each was delivered to."""
    employee_kind = cast(literal(ThreadKind.EMPLOYEE, Thread.kind.type), Thread.kind.type)
    employee_threads = (
        select(Delivery.account_id, employee_kind, Delivery.employee_id)
        .where(Delivery.message_id.in_(message_ids), Delivery.employee_id.is_not(None))
        .distinct()
    )
    create_threads = (
        dialect_insert(session, Thread)
        .from_select(["account_id", "kind", "ref_id"], employee_threads)
        .on_conflict_do_nothing()
    )
    await session.execute(create_threads)
    thread_links = (
        select(Thread.id, Delivery.message_id)
        .join(Delivery, Delivery.employee_id == Thread.ref_id)
        .where(
            Delivery.message_id.in_(message_ids),
            Thread.account_id == account_id,
            Thread.kind == ThreadKind.EMPLOYEE,
        )
        .distinct()
    )
    link_messages = (
        dialect_insert(session, ThreadMessage)
        .from_select(["thread_id", "message_id"], thread_links)
        .on_conflict_do_nothing()
    )
    await session.execute(link_messages)


async def record_in_threads(session: AsyncSession, message_id: int, thread_ids: list[int]) -> None:
    """Put a message in the given threads."""
    if thread_ids:
        rows = [{"thread_id": t, "message_id": message_id} for t in sorted(set(thread_ids))]
        link_message = dialect_insert(session, ThreadMessage).values(rows).on_conflict_do_nothing()
        await session.execute(link_message)


async def touch_threads(session: AsyncSession, message_id: int, at: datetime) -> list[int]:
    """Make the message the newest activity of its threads; returns their ids."""
    in_message = select(ThreadMessage.thread_id).where(ThreadMessage.message_id == message_id)
    touch = update(Thread).where(Thread.id.in_(in_message)).values(last_message_id=message_id, last_activity_at=at)
    # No ORM session sync: no Thread object is loaded here, and syncing costs a lookup per thread (10,000 in a fan-out).
    touched = touch.returning(Thread.id).execution_options(synchronize_session=False)
    return sorted(await session.scalars(touched))


async def list_thread_messages(
    db: Database, actor: Actor, thread_id: int, before_id: int | None, limit: int
) -> ThreadPage:
    """A page of the thread's messages, oldest first, ending before `before_id`."""
    check_scope(actor, "messages:read")
    async with db.read() as session:
        return await _list_thread_messages(session, actor, thread_id, before_id, limit)


async def _list_thread_messages(
    session: AsyncSession, actor: Actor, thread_id: int, before_id: int | None, limit: int
) -> ThreadPage:
    """list_thread_messages inside a transaction.

    In an employee's thread each outbound message carries that employee's own delivery, so a
    broadcast shows whether this person got it, not only the whole broadcast's summary.
    """
    thread, reach = await get_thread(session, actor, thread_id)
    query = (
        select(Message)
        .join(ThreadMessage, ThreadMessage.message_id == Message.id)
        .where(ThreadMessage.thread_id == thread_id)
    )
    if before_id is not None:
        query = query.where(ThreadMessage.message_id < before_id)
    # By the link's own key (thread_id, message_id): ordering by Message.id walks the whole messages table.
    # One row past the page tells whether there is more.
    query = query.order_by(ThreadMessage.message_id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    page = list(reversed(rows[:limit]))
    if thread.kind == ThreadKind.EMPLOYEE:
        reads = await list_message_reads(session, page, True, for_employee=thread.ref_id, reach=reach)
    else:
        reads = await list_message_reads(session, page, reach=reach)
    return ThreadPage(items=reads, has_more=len(rows) > limit)
