"""The coordinator's inbox (issue 11): read marks per message, reply window, confirm threshold, delivery
filters and follow-ups, contact threads, account settings. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from sqlalchemy import func, select, update

from communicator.db.models import Delivery, Message, Thread, ThreadMessage
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.events import AnyEvent, ContactCreated, ThreadMarkedRead, ThreadUpdated
from communicator.schemas import (
    AccountSettings,
    ContactCreate,
    ContactPromote,
    FollowUpCreate,
    MessageCreate,
    Recipients,
)
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, Forbidden
from communicator.services.directory.contacts import create_contact, list_contacts, promote_contact
from communicator.services.identity.account_settings import get_account_settings, update_account_settings
from communicator.services.messaging.follow_up import send_follow_up
from communicator.services.messaging.reads import mark_all_read, mark_thread_read
from communicator.services.messaging.receive import is_within_window
from communicator.services.messaging.send import get_message, send_message
from communicator.services.messaging.threads import list_threads
from communicator.services.messaging.views import DeliveryQuery
from tests.helpers import receive_reply

FITTERS = 1  # the demo group «Монтажники»: employees 1-7 and 19


_decoder = msgspec.json.Decoder(AnyEvent)


def _published(db: Database, start: int = 0) -> list[AnyEvent]:
    """The typed events published since the given count (access.changed notes left out)."""
    return [_decoder.decode(p.data) for p in db.published[start:] if p.id != 0]  # type: ignore[attr-defined]


async def _unread(db: Database, actor: Actor) -> tuple[dict[tuple[str, int | None], int], int]:
    _, threads, total = await list_threads(db, actor)
    return {(t.kind, t.ref_id): t.unread for t in threads}, total


async def test_one_reply_is_one_unread_and_reading_it_anywhere_clears_it(db: Database, admin: Actor) -> None:
    await send_message(db, admin, MessageCreate(text="Сбор в 9:00", recipients=Recipients(groups=[FITTERS])))
    replies = [await receive_reply(db, f"+7916100000{i}", "да") for i in (1, 2, 3)]
    unread, total = await _unread(db, admin)
    assert unread[("group", FITTERS)] == 3 and unread[("employee", 1)] == 1 and total == 3  # not 6
    _, threads, _ = await list_threads(db, admin)
    person = next(t.id for t in threads if (t.kind, t.ref_id) == ("employee", 1))
    group = next(t.id for t in threads if (t.kind, t.ref_id) == ("group", FITTERS))
    start = len(db.published)  # type: ignore[attr-defined]
    await mark_thread_read(db, admin, person, replies[0].id)
    [event] = _published(db, start)
    assert isinstance(event, ThreadMarkedRead) and event.message_ids == [replies[0].id]
    assert {(c.thread_id, c.read) for c in event.threads} == {(person, 1), (group, 1)}
    unread, total = await _unread(db, admin)
    assert unread[("group", FITTERS)] == 2 and unread[("employee", 1)] == 0 and total == 2
    # Reading the group thread clears the people's threads too.
    await mark_thread_read(db, admin, group, replies[-1].id)
    unread, total = await _unread(db, admin)
    assert set(unread.values()) == {0} and total == 0
    assert await mark_all_read(db, admin) == 0
    # «Прочитать всё»: one action; the marks are per user.
    await receive_reply(db, "+79161000005", "на месте")
    await receive_reply(db, "+79035550000", "кто это?")
    assert await mark_all_read(db, admin) == 2
    assert (await _unread(db, admin))[1] == 0
    operator = Actor(2, admin.account_id, "Operator", "operator", "Оператор")  # type: ignore[arg-type]
    assert (await _unread(db, operator))[1] == 5  # the operator's marks are their own


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_concurrent_read_marks_count_each_message_once(db: Database, admin: Actor, database_url: str) -> None:
    """Two tabs (two connections, two transactions) read the same replies in two threads at once."""
    await send_message(db, admin, MessageCreate(text="Кто свободен?", recipients=Recipients(groups=[FITTERS])))
    replies = [await receive_reply(db, f"+7916100000{i}", "я") for i in range(1, 8)]
    _, threads, _ = await list_threads(db, admin)
    group = next(t.id for t in threads if t.kind == "group")
    people = [t.id for t in threads if t.kind == "employee"]
    other = Database(database_url)
    other.published = []  # type: ignore[attr-defined]
    other.on_commit = other.published.extend  # type: ignore[attr-defined]
    start = len(db.published)  # type: ignore[attr-defined]
    try:
        marks = [mark_thread_read(db, admin, group, replies[-1].id)]
        marks += [mark_thread_read(other, admin, p, replies[-1].id) for p in people]
        await asyncio.gather(*marks)
    finally:
        await other.dispose()
    events = [e for e in _published(db, start) + _published(other) if isinstance(e, ThreadMarkedRead)]
    reported = [m for e in events for m in e.message_ids]
    assert sorted(reported) == sorted(r.id for r in replies)  # each exactly once, whoever won
    group_read = sum(c.read for e in events for c in e.threads if c.thread_id == group)
    assert group_read == len(replies)
    assert (await _unread(db, admin))[1] == 0


def test_the_reply_window() -> None:
    sent = datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert is_within_window(sent, sent + timedelta(hours=12), 12)
    assert not is_within_window(sent, sent + timedelta(hours=12, seconds=1), 12)
    assert not is_within_window(sent, sent + timedelta(minutes=1), 0)


async def test_a_late_sms_stands_alone(db: Database, admin: Actor) -> None:
    await update_account_settings(db, admin, AccountSettings(reply_window_hours=1, confirm_threshold_sms=100))
    sent = await send_message(db, admin, MessageCreate(text="Сбор", recipients=Recipients(groups=[FITTERS])))
    on_time = await receive_reply(db, "+79161000001", "да")
    assert on_time.reply_to_id == sent.id
    async with db.write() as session:
        hours_ago = datetime.now(UTC) - timedelta(hours=2)
        await session.execute(update(Message).where(Message.id == sent.id).values(created_at=hours_ago))
    late = await receive_reply(db, "+79161000001", "где ключи?")
    assert late.reply_to_id is None
    async with db.read() as session:
        query = select(Thread.kind).join(ThreadMessage, ThreadMessage.thread_id == Thread.id)
        kinds = await session.scalars(query.where(ThreadMessage.message_id == late.id))
        assert list(kinds) == ["employee"]
    await _check_confirmation(db, admin)


async def _check_confirmation(db: Database, admin: Actor) -> None:
    """A send above the threshold is refused, unstored, until confirmed."""
    await update_account_settings(db, admin, AccountSettings(reply_window_hours=12, confirm_threshold_sms=15))
    long_text = "Ж" * 71  # two parts in UCS-2
    big = MessageCreate(text=long_text, recipients=Recipients(groups=[FITTERS]))
    with pytest.raises(Conflict) as refused:
        await send_message(db, admin, big)
    assert refused.value.code == "confirmation_required"
    assert refused.value.extra == {"recipients": 8, "parts": 2, "total": 16, "threshold": 15}
    async with db.read() as session:
        assert await session.scalar(select(func.count(Message.id))) == 3  # nothing stored
    confirmed = MessageCreate(text=long_text, recipients=Recipients(groups=[FITTERS]), confirmed=True)
    assert (await send_message(db, admin, confirmed)).summary.total == 8
    small = MessageCreate(text="ok", recipients=Recipients(employees=[1]))
    assert (await send_message(db, admin, small)).summary.total == 1


async def test_delivery_filters_search_and_follow_up(db: Database, admin: Actor) -> None:
    sent = await send_message(db, admin, MessageCreate(text="Сбор", recipients=Recipients(groups=[FITTERS])))
    await receive_reply(db, "+79161000001", "буду")
    async with db.write() as session:
        failed = (Delivery.message_id == sent.id) & (Delivery.phone == "+79161000002")
        await session.execute(update(Delivery).where(failed).values(status=DeliveryStatus.NOT_DELIVERED))

    async def phones(which: str, search: str | None = None) -> list[str]:
        page = await get_message(db, admin, sent.id, DeliveryQuery(which=which, search=search))
        return [d.phone for d in page.deliveries or []]

    assert await phones("answered") == ["+79161000001"]
    assert await phones("undelivered") == ["+79161000002"]
    assert len(await phones("unanswered")) == 7
    assert await phones("all", "петров алексей") == ["+79161000002"]
    assert await phones("all", "8 916 100-00-03") == ["+79161000003"]
    reminder = await send_follow_up(db, admin, sent.id, FollowUpCreate(text="Ответьте, пожалуйста"))
    assert reminder.follow_up_of == sent.id and reminder.summary.total == 7
    assert (await get_message(db, admin, sent.id)).follow_up_ids == [reminder.id]
    # An answer to the reminder answers the original too.
    await receive_reply(db, "+79161000003", "буду")
    assert await phones("answered") == ["+79161000001", "+79161000003"]


async def test_unknown_numbers_get_threads_and_join_the_directory(db: Database, admin: Actor) -> None:
    first = await receive_reply(db, "+79035550001", "Я поставщик")
    second = await receive_reply(db, "+79035550002", "Я новый монтажник")
    _, threads, _ = await list_threads(db, admin)
    contacts = {t.phone: t for t in threads if t.kind == "contact"}
    assert set(contacts) == {"+79035550001", "+79035550002"}
    start = len(db.published)  # type: ignore[attr-defined]
    named = await create_contact(db, admin, ContactCreate(phone="89035550001", name="ООО Поставщик", note="цемент"))
    assert named.thread_id == contacts["+79035550001"].id
    assert [type(e) for e in _published(db, start)] == [ContactCreated, ThreadUpdated]
    assert [c.name for c in await list_contacts(db, admin)] == ["ООО Поставщик"]
    employee = await promote_contact(db, admin, contacts["+79035550002"].ref_id or 0, ContactPromote(name="Зайцев"))
    _, threads, _ = await list_threads(db, admin)
    moved = next(t for t in threads if t.id == contacts["+79035550002"].id)
    assert (moved.kind, moved.ref_id, moved.title) == ("employee", employee.id, "Зайцев")
    page = await get_message(db, admin, second.id)
    assert page.employee_id == employee.id and page.employee_name == "Зайцев"
    with pytest.raises(Conflict):
        await create_contact(db, admin, ContactCreate(phone="+79035550002", name="Дубль"))
    assert first.employee_id is None
    await _check_settings(db, admin)


async def _check_settings(db: Database, admin: Actor) -> None:
    """Everyone reads the settings; only an Administrator changes them."""
    operator = Actor(2, admin.account_id, "Operator", "operator", "Оператор")  # type: ignore[arg-type]
    assert await get_account_settings(db, operator) == AccountSettings(reply_window_hours=12, confirm_threshold_sms=100)
    with pytest.raises(Forbidden):
        await update_account_settings(db, operator, AccountSettings(reply_window_hours=1, confirm_threshold_sms=5))
    changed = await update_account_settings(db, admin, AccountSettings(reply_window_hours=3, confirm_threshold_sms=50))
    assert await get_account_settings(db, operator) == changed
