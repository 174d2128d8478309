"""Unread counts: inbound messages without the user's read mark (docs/inbox.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Message, MessageSeen, Thread, ThreadMessage


def not_seen(user_id: int, message_id: Any) -> ColumnElement[bool]:
    """The condition: the user has no read mark on this message."""
    return ~exists().where(MessageSeen.user_id == user_id, MessageSeen.message_id == message_id)


# Unread counts cover the account's newest this-many inbound messages: exact in any inbox a person reads, and
# bounded on a history of millions (an anti-join over every message of a thread list costs seconds there).
UNREAD_WINDOW = 10_000


async def _window_start(session: AsyncSession, account_id: int) -> int:
    """The oldest message id the counts look at: the UNREAD_WINDOW-th newest inbound (0 while there are fewer).

    A number, not a subquery: inside the count SQLite would not range-scan by it.
    """
    oldest = (
        select(Message.id)
        .where(Message.account_id == account_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .offset(UNREAD_WINDOW - 1)
        .limit(1)
    )
    return int(await session.scalar(oldest) or 0)


async def get_unread_counts(
    session: AsyncSession, user_id: int, account_id: int, thread_ids: Sequence[int]
) -> dict[int, int]:
    """Inbound messages without the user's read mark, per thread."""
    if not thread_ids:
        return {}
    floor = await _window_start(session, account_id)
    query = (
        select(ThreadMessage.thread_id, func.count())
        .join(Message, Message.id == ThreadMessage.message_id)
        .where(
            ThreadMessage.thread_id.in_(thread_ids),
            ThreadMessage.message_id >= floor,
            Message.direction == "in",
            not_seen(user_id, ThreadMessage.message_id),
        )
        .group_by(ThreadMessage.thread_id)
    )
    return {thread_id: count for thread_id, count in await session.execute(query)}


async def get_unread_total(session: AsyncSession, user_id: int, account_id: int, visible: ColumnElement[bool]) -> int:
    """Distinct unread inbound messages in the visible threads: one reply shown in two threads counts once."""
    in_visible = (
        select(ThreadMessage.message_id)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(ThreadMessage.message_id == Message.id, Thread.account_id == account_id, visible)
    )
    query = select(func.count()).where(
        Message.account_id == account_id,
        Message.direction == "in",
        Message.id >= await _window_start(session, account_id),
        not_seen(user_id, Message.id),  # first: it drops the read ones with one index probe each
        in_visible.exists(),
    )
    return int(await session.scalar(query) or 0)
