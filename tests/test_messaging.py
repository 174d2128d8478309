"""Sending and receiving through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from communicator.db.models import Delivery, Message, Thread, ThreadMessage
from communicator.db.session import Database
from communicator.schemas import EmployeeCreate, GroupCreate, MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput, NotFound
from communicator.services.directory.employees import create_employee
from communicator.services.directory.groups import create_group
from communicator.services.messaging.send import get_message, send_message
from communicator.services.messaging.threads import list_thread_messages, list_threads
from tests.helpers import InProcessGateway, count_by_status, receive_reply, wait_for


async def _group_of(db: Database, admin: Actor, size: int, name: str = "Пятьдесят") -> int:
    """A new group with `size` new employees."""
    ids = [
        (await create_employee(db, admin, EmployeeCreate(name=f"Сотрудник {i:03}", phone=f"+7926{5000000 + i:07}"))).id
        for i in range(size)
    ]
    return (await create_group(db, admin, GroupCreate(name=name, member_ids=ids))).id


async def _count(db: Database, model: type) -> int:
    """Rows in a table."""
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_send_to_group_of_50_all_delivered(db: Database, admin: Actor) -> None:
    group_id = await _group_of(db, admin, 50)
    message = await send_message(db, admin, MessageCreate(text="Сбор в 9:00", recipients=Recipients(groups=[group_id])))
    assert message.summary.total == 50 and message.summary.counts == {"Pending": 50}
    async with InProcessGateway(db):
        await wait_for(lambda: _all_delivered(db, message.id, 50), what="50 Delivered")
    read = await get_message(db, admin, message.id)
    assert {d.status for d in read.deliveries or []} == {"Delivered"}
    event_types = [e.data for e in db.published]  # type: ignore[attr-defined]
    assert any(b'"delivery.updated"' in data and b'"Delivered"' in data for data in event_types)


async def _all_delivered(db: Database, message_id: int, total: int) -> bool:
    return (await count_by_status(db, message_id)).get("Delivered") == total


async def test_recipients_deduplicated_across_employees_groups_numbers(db: Database, admin: Actor) -> None:
    # Employee 1 is in «Монтажники» (group 1); +79161000001 is employee 1's own phone.
    recipients = Recipients(employees=[1], groups=[1], numbers=["8 916 100-00-01", "+79031234567"])
    message = await send_message(db, admin, MessageCreate(text="hi", recipients=recipients))
    phones = [d.phone for d in message.deliveries or []]
    assert len(phones) == len(set(phones)) == 8 + 1
    assert "+79031234567" in phones


async def test_inbound_reply_attaches_to_employee_and_group_broadcast(db: Database, admin: Actor) -> None:
    sent = await send_message(db, admin, MessageCreate(text="#77 замер", recipients=Recipients(groups=[1])))
    reply = await receive_reply(db, "+79161000001", "готово")  # untagged: rule 3 (a tagged one: tag threads)
    assert reply.employee_id == 1 and reply.reply_to_id == sent.id
    threads = {(t.kind, t.ref_id): t for t in await _threads(db, admin)}
    group_thread, employee_thread = threads[("group", 1)], threads[("employee", 1)]
    assert group_thread.unread == 1 and employee_thread.unread == 1
    assert group_thread.last_message.sender_name == "Иванов Сергей Петрович"
    page = await list_thread_messages(db, admin, group_thread.id, None, 50)
    assert [m.id for m in page.items] == [sent.id, reply.id]


async def _threads(db: Database, admin: Actor) -> list:
    return (await list_threads(db, admin))[1]


async def test_unknown_sender_lands_in_its_own_contact_thread(db: Database, admin: Actor) -> None:
    reply = await receive_reply(db, "+79035550000", "кто это?")
    assert reply.employee_id is None and reply.sender_phone == "+79035550000"
    unknown = [t for t in await _threads(db, admin) if t.kind == "contact"]
    assert len(unknown) == 1 and unknown[0].last_message and unknown[0].last_message.id == reply.id
    assert unknown[0].title == unknown[0].phone == "+79035550000"


async def test_inbound_with_same_smsc_id_is_stored_once(db: Database, admin: Actor) -> None:
    first = await receive_reply(db, "+79161000002", "да", smsc_id="mo-1")
    again = await receive_reply(db, "+79161000002", "да", smsc_id="mo-1")
    assert first.id == again.id and await _count(db, Message) == 1


@pytest.mark.parametrize(
    ("text", "recipients", "named"),
    [
        ("   ", Recipients(employees=[1]), "empty"),
        ("x" * 1001, Recipients(employees=[1]), "1001"),
        ("hi", Recipients(numbers=["+7 123"]), "+7 123"),
        ("hi", Recipients(groups=[999]), "999"),
        ("hi", Recipients(employees=[424242]), "424242"),
        ("hi", Recipients(), "No recipients"),
    ],
)
async def test_bad_input_is_named_and_nothing_stored(
    db: Database, admin: Actor, text: str, recipients: Recipients, named: str
) -> None:
    db.published.clear()  # type: ignore[attr-defined]  # the demo seed's own access.changed frames
    with pytest.raises(InvalidInput) as refused:
        await send_message(db, admin, MessageCreate(text=text, recipients=recipients))
    assert named in refused.value.detail
    assert await _count(db, Message) == 0 and await _count(db, Delivery) == 0
    assert db.published == []  # type: ignore[attr-defined]


async def test_other_accounts_message_is_not_found(db: Database, admin: Actor) -> None:
    sent = await send_message(db, admin, MessageCreate(text="hi", recipients=Recipients(employees=[1])))
    stranger = Actor(999, admin.account_id + 1, "Administrator", "x", "x")
    with pytest.raises(NotFound):
        await get_message(db, stranger, sent.id)


async def test_broadcast_shows_in_every_member_thread(db: Database, admin: Actor) -> None:
    sent = await send_message(db, admin, MessageCreate(text="всем", recipients=Recipients(groups=[3])))
    async with db.read() as session:
        linked = (
            await session.execute(
                select(Thread.kind, Thread.ref_id)
                .join(ThreadMessage, ThreadMessage.thread_id == Thread.id)
                .where(ThreadMessage.message_id == sent.id)
            )
        ).all()
    assert sorted(linked) == [("employee", e) for e in range(13, 18)] + [("group", 3)]


async def test_group_thread_comes_before_its_members_on_a_tie(db: Database, admin: Actor) -> None:
    await send_message(db, admin, MessageCreate(text="всем", recipients=Recipients(groups=[3])))
    threads = await _threads(db, admin)
    assert (threads[0].kind, threads[0].ref_id) == ("group", 3)
    assert [t.kind for t in threads[1:]] == ["employee"] * 5


async def test_every_invalid_number_is_named_at_once(db: Database, admin: Actor) -> None:
    recipients = Recipients(numbers=["+79031234567", "12345", "+7 000", "abc"])
    with pytest.raises(InvalidInput) as refused:
        await send_message(db, admin, MessageCreate(text="hi", recipients=recipients))
    assert refused.value.extra == {"numbers": ["12345", "+7 000", "abc"]}
    assert all(raw in refused.value.detail for raw in ("12345", "+7 000", "abc"))
    assert await _count(db, Message) == 0


async def test_employee_thread_carries_that_employees_own_delivery(db: Database, admin: Actor) -> None:
    sent = await send_message(db, admin, MessageCreate(text="всем", recipients=Recipients(groups=[3])))
    threads = {(t.kind, t.ref_id): t for t in await _threads(db, admin)}
    own = await list_thread_messages(db, admin, threads[("employee", 14)].id, None, 50)
    group = await list_thread_messages(db, admin, threads[("group", 3)].id, None, 50)
    [message] = own.items
    assert message.id == sent.id and message.summary.total == 5
    assert [(d.employee_id, d.status) for d in message.deliveries or []] == [(14, "Pending")]
    assert group.items[0].deliveries is None
