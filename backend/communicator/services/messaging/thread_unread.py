"""The thread list's unread figures in the statements that fetch the list (the rules: unread.py, docs/inbox.md)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, ScalarSelect, Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from communicator.db.models import Event, Message, MessageSeen, Thread, ThreadMessage
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import Reach
from communicator.services.messaging.thread_access import reach_params, visible_threads_bound
from communicator.services.messaging.unread import UNREAD_WINDOW

# Statements are built once and reused with these parameters: building and keying one anew took 2-3 ms a page.
ACCOUNT_ID = bindparam("account_id", type_=Integer)
USER_ID = bindparam("user_id", type_=Integer)
FLOOR = bindparam("floor", type_=Integer)


def _floor() -> ColumnElement[int]:
    """The oldest message id the counts look at: the UNREAD_WINDOW-th newest inbound (0 while there are fewer)."""
    oldest = (
        select(Message.id)
        .where(Message.account_id == ACCOUNT_ID, Message.direction == "in")
        .order_by(Message.id.desc())
        .offset(UNREAD_WINDOW - 1)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(oldest, 0)


async def get_unread_floor(session: AsyncSession, account_id: int) -> int:
    """The unread window's first message id, as a number for the per-thread counts to range-scan by."""
    return int(await session.scalar(select(_floor()), {"account_id": account_id}) or 0)


def _unread_total(floor: ColumnElement[int], everyone: bool) -> ScalarSelect[Any]:
    """Distinct unread inbound messages in the visible threads: one reply shown in two threads counts once."""
    # The window's inbound ids EXCEPT the user's read marks from the same id on, both ordered by their index: SQLite
    # merges the two ranges in one pass, where a read-mark probe per inbound message took 2-3 times as long.
    inbound = select(Message.id).where(Message.account_id == ACCOUNT_ID, Message.direction == "in", Message.id >= floor)
    seen = select(MessageSeen.message_id).where(MessageSeen.user_id == USER_ID, MessageSeen.message_id >= floor)
    unread = inbound.except_(seen).order_by(inbound.selected_columns.id).subquery("unread")
    in_visible = (
        select(ThreadMessage.message_id)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(
            ThreadMessage.message_id == unread.c.id, Thread.account_id == ACCOUNT_ID, visible_threads_bound(everyone)
        )
    )
    return select(func.count()).select_from(unread).where(in_visible.exists()).scalar_subquery()


@cache
def _heads(everyone: bool) -> Select[int, int, int]:
    """The statement of get_list_heads (the window's start computed once, as a CTE)."""
    floor = select(_floor().label("id")).cte("unread_floor")
    floor_id = select(floor.c.id).scalar_subquery()
    last_event = select(func.coalesce(func.max(Event.id), 0)).scalar_subquery()
    return select(last_event, floor_id, _unread_total(floor_id, everyone))


async def get_list_heads(connection: AsyncConnection, actor: Actor, reach: Reach) -> tuple[int, int, int]:
    """The newest event id, the unread window's first message id and the unread total: one statement, one snapshot."""
    params = {"account_id": actor.account_id, "user_id": actor.user_id, **reach_params(reach)}
    row = (await connection.execute(_heads(reach.everyone), params)).one()
    return int(row[0]), int(row[1]), int(row[2])


def unread_in_thread(thread_id: ColumnElement[int]) -> ScalarSelect[int]:
    """Inbound messages of a thread without the user's read mark (unread.not_seen), from the window's first on."""
    return (
        select(func.count())
        .select_from(ThreadMessage)
        .join(Message, Message.id == ThreadMessage.message_id)
        .where(
            ThreadMessage.thread_id == thread_id,
            ThreadMessage.message_id >= FLOOR,
            Message.direction == "in",
            ~exists().where(MessageSeen.user_id == USER_ID, MessageSeen.message_id == ThreadMessage.message_id),
        )
        .scalar_subquery()
    )
