"""The thread list: a page of the visible threads, newest activity first, with titles, previews and unread counts.

Two statements a page (docs/threads.md «Cost of a page»): the event id with the unread total, then the page itself
with each thread's title, last message and unread count, all as plain columns (no ORM objects to build).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, String, Subquery, and_, bindparam, func, literal, or_, select, text
from sqlalchemy.orm import aliased

from communicator.db.models import Contact, Employee, Group, Message, Tag, Thread, User
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.schemas import LastMessage
from communicator.schemas import ThreadRead as ThreadView
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.core.permissions import Reach, check_scope, get_reach
from communicator.services.messaging.thread_access import (
    KIND_ORDER,
    KIND_RANK,
    get_thread,
    kind_rank,
    reach_params,
    visible_threads_bound,
)
from communicator.services.messaging.thread_unread import ACCOUNT_ID, get_list_heads, get_unread_floor, unread_in_thread

THREAD_PAGE = 100
Cursor = tuple[int, int, int]  # (last message id, kind rank, thread id)


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
        reach = await get_reach(session, actor)
        # Core execution on the session's connection: the ORM layer has nothing to load here (0.5 ms a statement).
        connection = await session.connection()
        # The event id comes from the same snapshot as the page: anything after it reaches the client live.
        last_event_id, floor, total = await get_list_heads(connection, actor, reach)
        params = {"account_id": actor.account_id, "user_id": actor.user_id, "floor": floor, "limit": limit + 1}
        if after is not None:
            params.update(zip(("after_message", "after_rank", "after_thread"), after, strict=True))
        statement = _page_rows(reach.everyone, after is not None)
        rows = list(await connection.execute(statement, {**params, **reach_params(reach)}))
    views = [_thread_view(row, reach) for row in rows[:limit]]
    following = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return last_event_id, views, total, following


async def get_thread_view(db: Database, actor: Actor, thread_id: int) -> ThreadView:
    """One thread as the list shows it (a thread opened by its address before its page of the list is loaded)."""
    check_scope(actor, "messages:read")
    async with db.read() as session:
        _, reach = await get_thread(session, actor, thread_id)
        floor = await get_unread_floor(session, actor.account_id)
        params = {"thread_id": thread_id, "user_id": actor.user_id, "floor": floor}
        rows = list(await session.execute(_one_thread_row(), params))
    return _thread_view(rows[0], reach)


def _encode_cursor(row: Any) -> str:
    """Where the next page starts: after this thread in the list's order."""
    return f"{row.last_message_id}.{KIND_ORDER.get(row.kind, len(KIND_ORDER))}.{row.id}"


def _decode_cursor(cursor: str | None) -> Cursor | None:
    """The (last message id, kind rank, thread id) a page starts after; a malformed cursor is a 422."""
    if not cursor:
        return None
    parts = cursor.split(".")
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= 19 for p in parts):
        raise InvalidInput(f"Cursor {cursor[:40]!r} is not one this list handed out.", code="bad_cursor")
    last_id, rank, thread_id = (int(p) for p in parts)
    return last_id, rank, thread_id


ThreadColumns = Select[int, ThreadKind, int, int | None, datetime | None]


def _thread_columns() -> ThreadColumns:
    """The thread's own columns the list shows."""
    return select(Thread.id, Thread.kind, Thread.ref_id, Thread.last_message_id, Thread.last_activity_at)


@cache
def _page_rows(everyone: bool, after_cursor: bool) -> Select[Any]:
    """Up to `limit` threads with activity after the cursor, as _thread_rows shows them."""
    # Ordered by the index on (account_id, last_message_id); only threads sharing a last message are sorted.
    query = _thread_columns().where(
        Thread.account_id == ACCOUNT_ID, Thread.last_message_id.is_not(None), visible_threads_bound(everyone)
    )
    if after_cursor:
        last_id, rank = bindparam("after_message", type_=BigInteger), bindparam("after_rank", type_=Integer)
        thread_id = bindparam("after_thread", type_=Integer)
        same_message_after = or_(KIND_RANK > rank, and_(KIND_RANK == rank, Thread.id > thread_id))
        query = query.where(
            or_(Thread.last_message_id < last_id, and_(Thread.last_message_id == last_id, same_message_after))
        )
    query = query.order_by(Thread.last_message_id.desc(), KIND_RANK, Thread.id).limit(bindparam("limit", type_=Integer))
    return _thread_rows(query.subquery("page"))


@cache
def _one_thread_row() -> Select[Any]:
    """One thread (thread_id), as _thread_rows shows it."""
    return _thread_rows(_thread_columns().where(Thread.id == bindparam("thread_id", type_=Integer)).subquery("page"))


def _thread_rows(page: Subquery) -> Select[Any]:
    """The page's threads with title, colour, phone, last message, its writer and the unread count, in list order."""
    # Each title table is joined only for its kind of thread; an unnamed contact is titled by its number, a tag
    # «#1234», a thread whose subject is gone «?».
    person, sender = aliased(Employee), aliased(Employee)
    title = func.coalesce(person.name, Group.name, Contact.name, Contact.phone, literal("#", String) + Tag.name, "?")
    return (
        select(
            *page.c,
            title.label("title"),
            Group.color.label("color"),
            Contact.phone.label("phone"),
            *(c.label(f"m_{c.key}") for c in _PREVIEW_COLUMNS),
            sender.name.label("employee_name"),
            User.name.label("author_name"),
            unread_in_thread(page.c.id).label("unread"),
        )
        .select_from(page)
        .outerjoin(person, and_(page.c.kind == ThreadKind.EMPLOYEE, person.id == page.c.ref_id))
        .outerjoin(Group, and_(page.c.kind == ThreadKind.GROUP, Group.id == page.c.ref_id))
        .outerjoin(Contact, and_(page.c.kind == ThreadKind.CONTACT, Contact.id == page.c.ref_id))
        .outerjoin(Tag, and_(page.c.kind == ThreadKind.TAG, Tag.id == page.c.ref_id))
        .outerjoin(Message, Message.id == page.c.last_message_id)
        .outerjoin(sender, sender.id == Message.employee_id)
        .outerjoin(User, User.id == Message.author_user_id)
        .order_by(page.c.last_message_id.desc(), kind_rank(page.c.kind), page.c.id)
    )


_PREVIEW_COLUMNS = (
    Message.id,
    Message.direction,
    Message.text,
    Message.created_at,
    Message.employee_id,
    Message.author_user_id,
    Message.sender_phone,
)


def _preview(row: Any, reach: Reach) -> LastMessage | None:
    """One thread's preview with who wrote it (an inbound sender only when the caller may see them)."""
    if row.m_id is None:
        return None
    if row.m_direction == "out":
        sender, author_user_id = row.author_name, row.m_author_user_id
    else:
        sees = reach.sees_employee(row.m_employee_id)
        sender = (row.employee_name or row.m_sender_phone) if sees else None
        author_user_id = None
    return LastMessage(
        id=row.m_id,
        direction=row.m_direction,
        text=row.m_text[:140],
        created_at=row.m_created_at,
        sender_name=sender,
        author_user_id=author_user_id,
    )


def _thread_view(row: Any, reach: Reach) -> ThreadView:
    """The API view of one thread."""
    return ThreadView(
        id=row.id,
        kind=row.kind,
        ref_id=row.ref_id,
        title=row.title,
        color=row.color,
        phone=row.phone,
        last_message=_preview(row, reach),
        last_activity_at=row.last_activity_at,
        unread=row.unread,
    )
