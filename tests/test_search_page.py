"""The search page's batch reads (message_rows.py) show each hit exactly as the per-message views do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from communicator.db.models import Message, Thread, ThreadMessage
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.schemas import PermissionsUpdate
from communicator.schemas.conversation import ContactCreate, FollowUpCreate
from communicator.schemas.search import SearchFilters
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import Reach, get_reach
from communicator.services.directory.contacts import create_contact
from communicator.services.messaging import search
from communicator.services.messaging.follow_up import send_follow_up
from communicator.services.messaging.message_rows import list_message_reads_by_id
from communicator.services.messaging.search import search_messages
from communicator.services.messaging.threads import visible_threads
from communicator.services.messaging.views import list_message_reads
from tests.helpers import receive_reply
from tests.test_permissions import FITTERS, group_id, make_user
from tests.test_search import OUTSIDER, history, texts

CONTACT = "+79035550101"
OPEN_ORDER = {
    "in": (ThreadKind.EMPLOYEE, ThreadKind.CONTACT, ThreadKind.GROUP),
    "out": (ThreadKind.GROUP, ThreadKind.CONTACT, ThreadKind.EMPLOYEE),
}


async def richer_history(db: Database, admin: Actor) -> None:
    """The search tests' history plus a named contact's message and a reminder."""
    ids = await history(db, admin)
    await create_contact(db, admin, ContactCreate(phone=CONTACT, name="ООО Поставщик"))
    await receive_reply(db, CONTACT, "Поставка цемента задерживается, авария на складе")
    await send_follow_up(db, admin, ids["group"], FollowUpCreate(text="Ответьте, пожалуйста: авария"))


async def reads_both_ways(db: Database, actor: Actor) -> None:
    """Every message the actor may see: the batch read equals the per-message views, field by field."""
    async with db.read() as session:
        reach = await get_reach(session, actor)
        messages = list(await session.scalars(select(Message).order_by(Message.id.desc())))
        expected = await list_message_reads(session, messages, reach=reach)
        found = await list_message_reads_by_id(session, [m.id for m in messages], reach=reach)
    assert found == expected
    if reach.everyone:  # the history has what every lookup finds
        assert {read.contact_name for read in found} >= {"ООО Поставщик", None}
        assert any(read.follow_up_ids for read in found) and any(read.author_name for read in found)
        assert any(read.employee_name for read in found)


async def test_batch_reads_equal_the_views(db: Database, admin: Actor) -> None:
    await richer_history(db, admin)
    await reads_both_ways(db, admin)
    operator = await make_user(db, admin, PermissionsUpdate(groups=[await group_id(db, FITTERS)]))
    await reads_both_ways(db, operator)
    async with db.read() as session:
        assert await list_message_reads_by_id(session, []) == []
        assert await list_message_reads_by_id(session, [10**9]) == []


async def expected_thread(db: Database, reach: Reach, filters: SearchFilters, message: Message) -> int | None:
    """The thread a hit opens in, worked out the long way: each visible link ranked by docs/search.md's rule."""
    wanted = {(ThreadKind.EMPLOYEE, filters.employee_id), (ThreadKind.GROUP, filters.group_id)}
    order = OPEN_ORDER[message.direction]
    async with db.read() as session:
        query = (
            select(Thread.id, Thread.kind, Thread.ref_id)
            .join(ThreadMessage, ThreadMessage.thread_id == Thread.id)
            .where(ThreadMessage.message_id == message.id, visible_threads(reach))
        )
        ranked = [
            (-1 if (kind, ref_id) in wanted else (order.index(kind) if kind in order else len(order)), thread_id)
            for thread_id, kind, ref_id in await session.execute(query)
        ]
    return min(ranked)[1] if ranked else None


async def test_each_hit_opens_in_the_thread_the_rule_picks(db: Database, admin: Actor) -> None:
    await richer_history(db, admin)
    operator = await make_user(db, admin, PermissionsUpdate(groups=[await group_id(db, FITTERS)]))
    fitters = await group_id(db, FITTERS)
    for actor in (admin, operator):
        async with db.read() as session:
            reach = await get_reach(session, actor)
        for filters in (
            SearchFilters(),
            SearchFilters(q="авария"),
            SearchFilters(group_id=fitters),
            SearchFilters(employee_id=1),
            SearchFilters(employee_id=OUTSIDER),
        ):
            page = await search_messages(db, actor, filters)
            async with db.read() as session:
                messages = {m.id: m for m in await session.scalars(select(Message))}
            for hit in page.items:
                assert hit.thread_id == await expected_thread(db, reach, filters, messages[hit.id]), (filters, hit.id)
            assert page.items or filters.employee_id == OUTSIDER


async def test_a_first_look_among_the_newest_ids_finds_the_same_pages(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's first try over the newest WINDOW ids: a page it fills and one it does not give the same hits."""
    await richer_history(db, admin)
    for _ in range(3):  # newer messages without the words, so that a small window misses the older hits
        await receive_reply(db, CONTACT, "Спасибо, принято")
    queries = [{"q": "авария"}, {"q": "авария", "direction": "out"}, {"tag": "#1234"}, {"q": "спасибо"}, {}]
    expected = [await texts(db, admin, **query) for query in queries]
    assert all(expected)
    monkeypatch.setattr(search, "_TOP", search._Top())  # not another test database's newest id
    for window in (1, 2, 3, 5):
        monkeypatch.setattr(search, "WINDOW", window)
        assert [await texts(db, admin, **query) for query in queries] == expected, window


async def test_a_page_longer_than_the_default_is_whole(db: Database, admin: Actor) -> None:
    """limit up to 100 (the API's bound): the page holds that many, and the cursor goes on from its last."""
    now = datetime.now(UTC)
    async with db.write() as session:
        session.add_all(
            Message(
                account_id=admin.account_id,
                direction="out",
                text=f"Обход {n}",
                parts=1,
                encoding="UCS2",
                created_at=now,
            )
            for n in range(search.PAGE + 20)
        )
    page = await search_messages(db, admin, SearchFilters(q="обход"), limit=search.PAGE + 10)
    assert len(page.items) == search.PAGE + 10 and page.next_cursor == str(page.items[-1].id)
    rest = await search_messages(db, admin, SearchFilters(q="обход"), page.next_cursor, limit=100)
    assert len(rest.items) == 10 and rest.next_cursor is None
