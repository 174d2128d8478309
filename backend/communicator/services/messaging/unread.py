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


async def get_unread_counts(session: AsyncSession, user_id: int, thread_ids: Sequence[int]) -> dict[int, int]:
    """Inbound messages without the user's read mark, per thread."""
    if not thread_ids:
        return {}
    query = (
        select(ThreadMessage.thread_id, func.count())
        .join(Message, Message.id == ThreadMessage.message_id)
        .where(
            ThreadMessage.thread_id.in_(thread_ids),
            Message.direction == "in",
            not_seen(user_id, ThreadMessage.message_id),
        )
        .group_by(ThreadMessage.thread_id)
    )
    return {thread_id: count for thread_id, count in await session.execute(query)}


# The total counts the unread among this many newest inbound messages of the account: exact in any inbox a person
# reads, and bounded on a history of millions (an anti-join over every inbound message costs seconds there).
UNREAD_WINDOW = 10_000


async def get_unread_total(session: AsyncSession, user_id: int, account_id: int, visible: ColumnElement[bool]) -> int:
    """Distinct unread inbound messages in the visible threads: one reply shown in two threads counts once."""
    newest_inbound = (
        select(Message.id)
        .where(Message.account_id == account_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(UNREAD_WINDOW)
        .subquery()
    )
    in_visible = (
        select(ThreadMessage.message_id)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(ThreadMessage.message_id == newest_inbound.c.id, Thread.account_id == account_id, visible)
    )
    query = select(func.count()).where(in_visible.exists(), not_seen(user_id, newest_inbound.c.id))
    return int(await session.scalar(query) or 0)
