"""A page of search hits: each message as the caller sees it, highlighted, with the thread to open it in.

One query for the whole page (message_rows.py, plus each message's visible threads); docs/search.md.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Message, Thread, ThreadMessage
from communicator.domain import ThreadKind
from communicator.schemas.search import HighlightPart, SearchFilters, SearchHit
from communicator.services.core.permissions import EVERYONE, Reach
from communicator.services.messaging.message_rows import list_message_rows, select_message_rows
from communicator.services.messaging.threads import visible_threads
from communicator.sms.words import highlight, query_words

# Where a hit opens: an inbound message in its sender's own thread, an outbound one where it was addressed.
_OPEN_ORDER = {
    "in": (ThreadKind.EMPLOYEE, ThreadKind.CONTACT, ThreadKind.GROUP),
    "out": (ThreadKind.GROUP, ThreadKind.CONTACT, ThreadKind.EMPLOYEE),
}


async def list_hits(session: AsyncSession, reach: Reach, filters: SearchFilters, ids: list[int]) -> list[SearchHit]:
    """The messages as the caller sees them, in the given order, highlighted, each with the thread to open."""
    query = _HIT_ROWS if reach.everyone else select_message_rows(reach, _threads_column(reach))
    words = query_words(filters.q, filters.tag)
    wanted = {(ThreadKind.EMPLOYEE, filters.employee_id), (ThreadKind.GROUP, filters.group_id)}
    return [
        SearchHit(
            **msgspec.structs.asdict(read),
            highlight=[HighlightPart(text=text, hit=hit) for text, hit in highlight(read.text, words)],
            thread_id=_thread_to_open(row.threads, read.direction, wanted),
        )
        for read, row in await list_message_rows(session, ids, reach, query)
    ]


def _threads_column(reach: Reach) -> ColumnElement[str | None]:
    """Each message's threads the reach sees, as «id:kind:ref_id» joined by spaces.

    Looked up from the message's links by their index, then each thread by its key: no condition on the account
    (a message is linked only to its own account's threads), which SQLite, without statistics, would start from.
    """
    described = cast(Thread.id, String) + ":" + cast(Thread.kind, String) + ":" + cast(Thread.ref_id, String)
    return (
        select(func.aggregate_strings(described, " "))
        .select_from(ThreadMessage)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(ThreadMessage.message_id == Message.id, visible_threads(reach))
        .scalar_subquery()
        .label("threads")
    )


_HIT_ROWS = select_message_rows(EVERYONE, _threads_column(EVERYONE))


def _thread_to_open(threads: str | None, direction: str, wanted: set[tuple[ThreadKind, int | None]]) -> int | None:
    """The thread to open a message in: the filtered employee's or group's, else its own by _OPEN_ORDER."""
    order = _OPEN_ORDER.get(direction, ())
    best: tuple[int, int] | None = None
    for described in (threads or "").split():
        thread_id, kind_name, ref_id = described.split(":")
        kind = ThreadKind(kind_name)
        rank = -1 if (kind, int(ref_id)) in wanted else (order.index(kind) if kind in order else len(order))
        if best is None or (rank, int(thread_id)) < best:
            best = (rank, int(thread_id))
    return best[1] if best else None
