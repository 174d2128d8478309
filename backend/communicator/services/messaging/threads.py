"""Threads: per employee, per group, per contact (a number outside the staff) and per #tag; listing, paging."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, or_, select, text, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Contact, Delivery, Employee, Group, Message, Tag, Thread, ThreadMessage, User
from communicator.db.session import Database, dialect_insert
from communicator.domain import ThreadKind
from communicator.events import get_last_event_id
from communicator.schemas import LastMessage, ThreadPage
from communicator.schemas import ThreadRead as ThreadView
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput, NotFound
from communicator.services.core.permissions import Reach, check_scope, get_reach
from communicator.services.messaging.unread import get_unread_counts, get_unread_total
from communicator.services.messaging.views import list_message_reads

KIND_ORDER = {ThreadKind.TAG: 0, ThreadKind.GROUP: 1, ThreadKind.CONTACT: 2, ThreadKind.EMPLOYEE: 3}
# Ties (one broadcast is the last message of a group's thread and of every member's): group, contact, employee, by id.
KIND_RANK = case(*((Thread.kind == kind, rank) for kind, rank in KIND_ORDER.items()), else_=len(KIND_ORDER))
THREAD_PAGE = 100
# A thread title: name, colour (groups), phone (contacts).
Title = tuple[str, str | None, str | None]


async def record_thread(session: AsyncSession, account_id: int, kind: ThreadKind, ref_id: int = 0) -> int:
    """The id of a thread, recording the thread first when it is new."""
    values = dialect_insert(session, Thread).values(account_id=account_id, kind=kind, ref_id=ref_id)
    # An update that changes nothing, so that an existing row returns its id too: one round trip.
    upsert = values.on_conflict_do_update(
        index_elements=[Thread.account_id, Thread.kind, Thread.ref_id], set_={"kind": values.excluded.kind}
    )
    thread_id: int = (await session.execute(upsert.returning(Thread.id))).scalar_one()
    return thread_id


async def record_in_employee_threads(session: AsyncSession, account_id: int, message_id: int) -> None:
    """Put an outbound message in the thread of every employee it was delivered to."""
    recipients = select(Delivery.employee_id).where(
        Delivery.message_id == message_id, Delivery.employee_id.is_not(None)
    )
    employee_kind = cast(literal(ThreadKind.EMPLOYEE, Thread.kind.type), Thread.kind.type)
    employee_threads = select(Delivery.account_id, employee_kind, Delivery.employee_id).where(
        Delivery.employee_id.in_(recipients), Delivery.message_id == message_id
    )
    create_threads = (
        dialect_insert(session, Thread)
        .from_select(["account_id", "kind", "ref_id"], employee_threads)
        .on_conflict_do_nothing()
    )
    await session.execute(create_threads)
    thread_links = select(Thread.id, cast(literal(message_id), ThreadMessage.message_id.type)).where(
        Thread.account_id == account_id, Thread.kind == ThreadKind.EMPLOYEE, Thread.ref_id.in_(recipients)
    )
    link_message = (
        dialect_insert(session, ThreadMessage)
        .from_select(["thread_id", "message_id"], thread_links)
        .on_conflict_do_nothing()
    )
    await session.execute(link_message)


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


async def _titles(session: AsyncSession, threads: list[Thread]) -> dict[int, Title]:
    """Title, colour and phone per thread (an unnamed contact is titled by its number, a tag «#1234»)."""
    by_kind: dict[ThreadKind, list[int]] = {kind: [] for kind in ThreadKind}
    for t in threads:
        by_kind[t.kind].append(t.ref_id)
    employees = select(Employee.id, Employee.name, literal(None), Employee.phone)
    groups = select(Group.id, Group.name, Group.color, literal(None))
    contacts = select(Contact.id, func.coalesce(Contact.name, Contact.phone), literal(None), Contact.phone)
    tags = select(Tag.id, literal("#", String) + Tag.name, literal(None), literal(None))
    found: dict[tuple[ThreadKind, int], Title] = {}
    for kind, query, model in (
        (ThreadKind.EMPLOYEE, employees, Employee),
        (ThreadKind.GROUP, groups, Group),
        (ThreadKind.CONTACT, contacts, Contact),
        (ThreadKind.TAG, tags, Tag),
    ):
        if by_kind[kind]:
            rows = await session.execute(query.where(model.id.in_(by_kind[kind])))
            found.update({(kind, ref): (name, color, phone) for ref, name, color, phone in rows})
    return {t.id: found.get((t.kind, t.ref_id), ("?", None, None)) for t in threads}


def visible_threads(reach: Reach) -> ColumnElement[bool]:
    """The SQL condition on Thread for the threads a reach sees (contacts' only with everyone)."""
    if reach.everyone:
        return true()
    return or_(
        and_(Thread.kind == ThreadKind.EMPLOYEE, Thread.ref_id.in_(reach.employee_ids)),
        and_(Thread.kind == ThreadKind.GROUP, Thread.ref_id.in_(reach.group_ids)),
        and_(Thread.kind == ThreadKind.TAG, Thread.ref_id.in_(reach.tag_ids)),
    )


async def check_message_visible(session: AsyncSession, reach: Reach, message_id: int) -> None:
    """A message in none of the caller's visible threads looks exactly like a missing one."""
    if reach.everyone:
        return
    query = (
        select(ThreadMessage.thread_id)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(ThreadMessage.message_id == message_id, visible_threads(reach))
        .limit(1)
    )
    if await session.scalar(query) is None:
        raise NotFound(f"Message {message_id} not found.", code="not_found")


async def list_threads(db: Database, actor: Actor) -> tuple[int, list[ThreadView], int]:
    """The event id to follow live updates from, the first page of the visible threads, the unread total."""
    last_event_id, threads, total, _ = await list_thread_page(db, actor)
    return last_event_id, threads, total


async def list_thread_page(
    db: Database, actor: Actor, cursor: str | None = None, limit: int = THREAD_PAGE
) -> tuple[int, list[ThreadView], int, str | None]:
    """The event id to follow live updates from, a page of the visible threads (newest activity first), the unread
    total, and the cursor of the next page (None on the last)."""
    check_scope(actor, "messages:read")
    after = _decode_cursor(cursor)
    async with db.read() as session:
        if not db.is_sqlite:
            # One snapshot for the cursor and the counts: a read mark committed in between must not be in the
            # counts and in an event after the cursor too (the client would subtract it twice).
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        # The event id first: anything after it reaches the client over the WebSocket.
        last_event_id = await get_last_event_id(session)
        reach = await get_reach(session, actor)
        threads = await _page_of_threads(session, actor, reach, after, limit)
        views = await _thread_views(session, actor, reach, threads[:limit])
        following = _encode_cursor(threads[limit - 1]) if len(threads) > limit else None
        total = await get_unread_total(session, actor.user_id, actor.account_id, visible_threads(reach))
        return last_event_id, views, total, following


def _encode_cursor(thread: Thread) -> str:
    """Where the next page starts: after this thread in the list's order."""
    return f"{thread.last_message_id}.{KIND_ORDER.get(thread.kind, len(KIND_ORDER))}.{thread.id}"


def _decode_cursor(cursor: str | None) -> tuple[int, int, int] | None:
    """The (last message id, kind rank, thread id) a page starts after; a malformed cursor is a 422."""
    if not cursor:
        return None
    parts = cursor.split(".")
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= 19 for p in parts):
        raise InvalidInput(f"Cursor {cursor[:40]!r} is not one this list handed out.", code="bad_cursor")
    last_id, rank, thread_id = (int(p) for p in parts)
    return last_id, rank, thread_id


async def _page_of_threads(
    session: AsyncSession, actor: Actor, reach: Reach, after: tuple[int, int, int] | None, limit: int
) -> list[Thread]:
    """Up to limit + 1 threads with activity after the cursor (one past the page tells whether there is more).

    Ordered by the index on (account_id, last_message_id); only threads sharing a last message are sorted.
    """
    query = select(Thread).where(
        Thread.account_id == actor.account_id, Thread.last_message_id.is_not(None), visible_threads(reach)
    )
    if after is not None:
        last_id, rank, thread_id = after
        same_message_after = or_(KIND_RANK > rank, and_(KIND_RANK == rank, Thread.id > thread_id))
        query = query.where(
            or_(Thread.last_message_id < last_id, and_(Thread.last_message_id == last_id, same_message_after))
        )
    query = query.order_by(Thread.last_message_id.desc(), KIND_RANK, Thread.id).limit(limit + 1)
    return list(await session.scalars(query))


async def _thread_views(session: AsyncSession, actor: Actor, reach: Reach, threads: list[Thread]) -> list[ThreadView]:
    """The threads with titles, previews and unread counts, in the given order."""
    ids = [t.id for t in threads]
    titles = await _titles(session, threads)
    unread = await get_unread_counts(session, actor.user_id, actor.account_id, ids)
    last = await _last_messages(session, [t.last_message_id for t in threads], reach)
    return [_thread_view(t, titles[t.id], last.get(t.last_message_id), unread.get(t.id, 0)) for t in threads]


async def get_thread_view(db: Database, actor: Actor, thread_id: int) -> ThreadView:
    """One thread as the list shows it (a thread opened by its address before its page of the list is loaded)."""
    check_scope(actor, "messages:read")
    async with db.read() as session:
        thread, reach = await get_thread(session, actor, thread_id)
        return (await _thread_views(session, actor, reach, [thread]))[0]


async def _last_messages(
    session: AsyncSession, message_ids: list[int | None], reach: Reach
) -> dict[int | None, LastMessage]:
    """Previews of the given messages with who wrote them (an inbound sender only when the caller may see them)."""
    query = (
        select(Message, Employee.name, User.name)
        .outerjoin(Employee, Employee.id == Message.employee_id)
        .outerjoin(User, User.id == Message.author_user_id)
        .where(Message.id.in_([m for m in message_ids if m is not None]))
    )
    rows = await session.execute(query)
    return {m.id: _preview(m, name, author, reach) for m, name, author in rows}


def _preview(m: Message, employee_name: str | None, author: str | None, reach: Reach) -> LastMessage:
    """One thread preview."""
    if m.direction == "out":
        sender, author_user_id = author, m.author_user_id
    else:
        sender = (employee_name or m.sender_phone) if reach.sees_employee(m.employee_id) else None
        author_user_id = None
    return LastMessage(
        id=m.id,
        direction=m.direction,
        text=m.text[:140],
        created_at=m.created_at,
        sender_name=sender,
        author_user_id=author_user_id,
    )


def _thread_view(thread: Thread, title: Title, preview: LastMessage | None, unread: int) -> ThreadView:
    """The API view of one thread."""
    return ThreadView(
        id=thread.id,
        kind=thread.kind,
        ref_id=thread.ref_id,
        title=title[0],
        color=title[1],
        phone=title[2] if thread.kind == ThreadKind.CONTACT else None,
        last_message=preview,
        last_activity_at=thread.last_activity_at,
        unread=unread,
    )


async def get_thread(session: AsyncSession, actor: Actor, thread_id: int) -> tuple[Thread, Reach]:
    """One thread the caller may see, with their reach; one of their own account outside their reach is 403."""
    # access_row keeps another account's ids a 404: only ids of the caller's own account are told apart,
    # and those they could list before the admin narrowed their reach anyway.
    thread = await access_row(session, Thread, thread_id, actor, "Thread")
    reach = await get_reach(session, actor)
    if not reach.sees_thread(thread.kind, thread.ref_id):
        raise Forbidden(f"Thread {thread_id} is outside your reach.", code="forbidden")
    return thread, reach


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
