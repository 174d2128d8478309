"""History search: one filtered, permission-scoped query over an account's messages (the search page, exports).

See docs/search.md: the words are communicator.sms.words' stems; SQLite finds them in FTS5, PostgreSQL in a GIN
index over the same column; every filter narrows the same query; the newest message comes first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from communicator.db.models import Delivery, Message, Thread, ThreadMessage
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.schemas.search import SearchFilters, SearchPage
from communicator.schemas.types import BIG_ID_MAX
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.core.permissions import Reach, check_scope, get_reach
from communicator.services.messaging.search_hits import list_hits
from communicator.services.messaging.threads import visible_threads
from communicator.sms.words import query_words

PAGE = 50
WINDOW = 50_000  # PostgreSQL: how many of the newest ids a page looks among first
TOP_TTL = 10.0  # seconds the newest id is remembered for that


class _Top:
    """The newest message id seen, and when (time.monotonic)."""

    id: int | None = None
    at = 0.0


_TOP = _Top()
# The id column a query pages by: messages.id, messages_fts.rowid or thread_messages.message_id.
Key = ColumnElement[int] | InstrumentedAttribute[int]
# The table-named column is FTS5's whole-row MATCH (a detail=none table has no column filters).
_FTS = table("messages_fts", column("rowid", Integer), column("messages_fts"))
_AT_FIELD = re.compile(r"at `\$\.(\w+)`")


def check_filters(raw: Mapping[str, Any]) -> SearchFilters:
    """Query-string values as SearchFilters; a bad one is a 422 naming its field."""
    try:
        filters = msgspec.convert(dict(raw), SearchFilters, strict=False)
    except msgspec.ValidationError as error:
        found = _AT_FIELD.search(str(error))
        field = found.group(1) if found else "filters"
        raise InvalidInput(
            f"Invalid search filter «{field}»: {error}.", {"field": field}, code="invalid_filter"
        ) from error
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("«until» is before «since».", {"field": "until"}, code="invalid_filter")
    return filters


def check_cursor(cursor: str | None) -> int | None:
    """The message id a page ends before (a cursor is one); anything else is a 422 naming «cursor»."""
    if cursor is None or cursor == "":
        return None
    if not cursor.isascii() or not cursor.isdigit() or not 1 <= int(cursor) <= BIG_ID_MAX:
        raise InvalidInput("Invalid search cursor.", {"field": "cursor"}, code="invalid_filter")
    return int(cursor)


def message_visible(reach: Reach, message_id: Key) -> ColumnElement[bool]:
    """The SQL condition: the message is in a thread the reach sees."""
    links = aliased(ThreadMessage)  # the query may start from thread_messages itself
    seen = (
        select(links.message_id)
        .join(Thread, Thread.id == links.thread_id)
        .where(links.message_id == message_id, visible_threads(reach))
    )
    return seen.exists()


def _in_thread(account_id: int, kind: ThreadKind, ref_id: int, message_id: Key) -> ColumnElement[bool]:
    """The SQL condition: the message is in this employee's (or group's) thread."""
    thread = select(Thread.id).where(Thread.account_id == account_id, Thread.kind == kind, Thread.ref_id == ref_id)
    links = aliased(ThreadMessage)  # the query may start from thread_messages itself
    return exists().where(links.thread_id == thread.scalar_subquery(), links.message_id == message_id)


def _fts_match(words: list[str]) -> ColumnElement[bool]:
    """SQLite: the FTS5 condition that a message holds every word (quoted: words are letters and digits only)."""
    return _FTS.c.messages_fts.op("MATCH")(" ".join(f'"{word}"' for word in words))


def _match_words(words: list[str], sqlite: bool) -> tuple[Select[Any], Key]:
    """The query over the messages holding every word, and the id column it pages by."""
    if sqlite:
        # Driven by FTS5 in rowid order: the newest matches first, and a page stops early.
        joined = _FTS.join(Message, Message.id == _FTS.c.rowid)
        return select(Message.id).select_from(joined).where(_fts_match(words)), _FTS.c.rowid
    # Spelled as the GIN index's expression (a literal ' ', not a parameter), so the planner can use it.
    vector = func.array_to_tsvector(func.string_to_array(Message.search_text, literal_column("' '")))
    wanted = cast(" & ".join(f"'{word}'" for word in words), TSQUERY)
    return select(Message.id).where(vector.op("@@")(wanted)), Message.id


def select_matching_messages(
    account_id: int, reach: Reach, filters: SearchFilters, *, sqlite: bool, before_id: int | None = None
) -> Select[Any]:
    """The ids of the account's messages the reach sees that match the filters, newest first (before `before_id`).

    Add `.limit(n)` for a page; an export streams it whole. Nothing another account or the reach does not see.
    """
    words = query_words(filters.q, filters.tag)
    query, key = _select_candidates(account_id, filters, words, sqlite)
    query = query.where(Message.account_id == account_id)
    if (filters.q or filters.tag) and not words:
        query = query.where(false())  # asked for nothing searchable («"*»): nothing matches
    if not reach.everyone:
        query = query.where(message_visible(reach, key))
    for kind, ref_id in _thread_filters(filters):
        if not reach.sees_thread(kind, ref_id):
            query = query.where(false())  # outside the reach: not even whether such messages exist
        query = query.where(_in_thread(account_id, kind, ref_id, key))
    if filters.direction is not None:
        query = query.where(Message.direction == filters.direction)
    if filters.status is not None:
        delivered = exists().where(Delivery.message_id == key, Delivery.status == filters.status)
        if not reach.everyone:
            delivered = delivered.where(Delivery.employee_id.in_(reach.employee_ids))
        query = query.where(delivered)
    if filters.since is not None:
        query = query.where(Message.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Message.created_at <= filters.until)
    if before_id is not None:
        query = query.where(key < before_id)
    if words and not sqlite:
        # Not by the primary key: PostgreSQL would walk it backwards testing every message against the words
        # (0.5 s for a two-word phrase); by `id + 0` it takes the GIN matches and keeps the newest (docs/search.md).
        return query.order_by((key + 0).desc())
    return query.order_by(key.desc())


def _thread_filters(filters: SearchFilters) -> list[tuple[ThreadKind, int]]:
    """The employee's and the group's thread a search is narrowed to."""
    found = [(ThreadKind.EMPLOYEE, filters.employee_id), (ThreadKind.GROUP, filters.group_id)]
    return [(kind, ref_id) for kind, ref_id in found if ref_id is not None]


def _select_candidates(
    account_id: int, filters: SearchFilters, words: list[str], sqlite: bool
) -> tuple[Select[Any], Key]:
    """Where the query starts: the full-text index, else the filtered thread's links, else every message.

    On SQLite a search within one employee's or group's thread starts from the thread (hundreds of links) and
    checks the words against the FTS5 matches, gathered once: starting from the words would visit every message
    holding them, newest first, looking for the few in that thread (docs/search.md).
    """
    narrowed = _thread_filters(filters)
    if words and not (sqlite and narrowed):
        return _match_words(words, sqlite)
    if narrowed:
        kind, ref_id = narrowed[0]
        thread = select(Thread.id).where(Thread.account_id == account_id, Thread.kind == kind, Thread.ref_id == ref_id)
        links = ThreadMessage.__table__.join(Message.__table__, Message.id == ThreadMessage.message_id)
        query = select(Message.id).select_from(links).where(ThreadMessage.thread_id == thread.scalar_subquery())
        if words:
            query = query.where(ThreadMessage.message_id.in_(select(_FTS.c.rowid).where(_fts_match(words))))
        return query, ThreadMessage.message_id
    return select(Message.id), Message.id


async def list_page_ids(
    session: AsyncSession,
    account_id: int,
    reach: Reach,
    filters: SearchFilters,
    *,
    sqlite: bool,
    before_id: int | None = None,
    limit: int = PAGE,
) -> list[int]:
    """The ids of a page and one more (that tells there is a next page), newest first.

    PostgreSQL's GIN index finds the words in no particular order, so every match would be read from the table to
    keep the newest: a first try looks only at the newest WINDOW ids (the index's matches and that id range, ANDed
    as bitmaps), and only a word too rare to fill the page there asks for all of them. Not within a thread (its
    few matches would rarely fill a page there) nor up to a date (it may end before the window; docs/search.md).
    """
    query = select_matching_messages(account_id, reach, filters, sqlite=sqlite, before_id=before_id)
    windowed = filters.until is None and not _thread_filters(filters)
    if not sqlite and windowed and query_words(filters.q, filters.tag):
        top = before_id or await _get_top_id(session)
        if top is not None and top > WINDOW:
            # A literal, so that the planner weighs this very range against the words' matches.
            floor = bindparam("floor", top - WINDOW, Integer, literal_execute=True)
            ids = list(await session.scalars(query.where(Message.id > floor).limit(limit + 1)))
            if len(ids) > limit:
                return ids
    return list(await session.scalars(query.limit(limit + 1)))


async def _get_top_id(session: AsyncSession) -> int | None:
    """The newest message id, looked up at most every TOP_TTL seconds.

    Any value keeps the pages right (the first try only looks above it minus WINDOW, and counts what it found);
    an older one only widens the window by the messages since.
    """
    now = time.monotonic()
    if _TOP.id is None or now - _TOP.at > TOP_TTL:
        _TOP.id, _TOP.at = await session.scalar(select(func.max(Message.id))), now
    return _TOP.id


async def search_messages(
    db: Database, actor: Actor, filters: SearchFilters, cursor: str | None = None, limit: int = PAGE
) -> SearchPage:
    """A page of the messages the caller may see that match, newest first, highlighted, each with its thread."""
    check_scope(actor, "messages:read")
    before_id = check_cursor(cursor)
    async with db.read() as session:
        reach = await get_reach(session, actor)
        ids = await list_page_ids(
            session, actor.account_id, reach, filters, sqlite=db.is_sqlite, before_id=before_id, limit=limit
        )
        page = ids[:limit]
        hits = await list_hits(session, reach, filters, page)
        return SearchPage(items=hits, next_cursor=str(page[-1]) if len(ids) > limit else None)
