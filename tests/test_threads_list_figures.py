"""The thread list's figures, fetched in two statements (thread_list.py), equal the rules of unread.py: per-thread
unread counts, the distinct unread total, for an admin and for an Operator with a narrowed reach. SQLite and
PostgreSQL."""

from __future__ import annotations

from communicator.db.session import Database
from communicator.schemas import MessageCreate, PermissionsUpdate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import get_reach
from communicator.services.messaging.reads import mark_thread_read
from communicator.services.messaging.send import send_message
from communicator.services.messaging.thread_access import visible_threads
from communicator.services.messaging.threads import get_thread_view, list_thread_page
from communicator.services.messaging.unread import get_unread_counts, get_unread_total
from tests.helpers import receive_reply
from tests.test_permissions import FITTERS, group_id, make_user


async def _rules(db: Database, actor: Actor, thread_ids: list[int]) -> tuple[dict[int, int], int]:
    """The unread counts and total as unread.py computes them, one query each."""
    async with db.read() as session:
        reach = await get_reach(session, actor)
        counts = await get_unread_counts(session, actor.user_id, actor.account_id, thread_ids)
        total = await get_unread_total(session, actor.user_id, actor.account_id, visible_threads(reach))
    return counts, total


async def _check_figures(db: Database, actor: Actor) -> int:
    """The list's figures against the rules, on pages of 3; returns how many threads the actor sees."""
    pages, cursor = [], None
    while True:
        _, page, total, cursor = await list_thread_page(db, actor, cursor, limit=3)
        pages += page
        if cursor is None:
            break
    counts, rule_total = await _rules(db, actor, [t.id for t in pages])
    assert {t.id: t.unread for t in pages if t.unread} == counts
    assert total == rule_total
    for thread in pages:  # one thread alone reads as it does in the list
        assert await get_thread_view(db, actor, thread.id) == thread
    return len(pages)


async def test_list_figures_follow_the_unread_rules(db: Database, admin: Actor) -> None:
    fitters = await group_id(db, FITTERS)
    await send_message(db, admin, MessageCreate(text="Сбор", recipients=Recipients(groups=[fitters])))
    replies = [await receive_reply(db, f"+7916100000{i}", "да") for i in (1, 2, 3, 4)]
    await receive_reply(db, "+79035550000", "кто это?")  # a contact's thread: the admin's only
    await receive_reply(db, "+79161000013", "я инженер")  # outside «Монтажники»
    operator = await make_user(db, admin, PermissionsUpdate(groups=[fitters]))
    _, threads, _, _ = await list_thread_page(db, admin)
    person = next(t.id for t in threads if t.kind == "employee" and t.ref_id == 1)
    await mark_thread_read(db, admin, person, replies[0].id)
    await mark_thread_read(db, operator, person, replies[0].id)
    seen_by_admin = await _check_figures(db, admin)
    seen_by_operator = await _check_figures(db, operator)
    assert seen_by_operator < seen_by_admin
    _, _, total, _ = await list_thread_page(db, operator)
    assert total == 3  # the fitters' replies less the one read; neither the contact's nor the engineer's
