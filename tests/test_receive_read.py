"""receive_sms builds its answer and event from what it read and wrote (receive_store.py) instead of reading them back:
each must equal what list_message_reads shows for the stored message, on SQLite and PostgreSQL. Also the rules of
choose_account, and what a reply from a known sender costs in statements."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from sqlalchemy import event, select, update

from communicator.db.models import Contact, Message, Thread, ThreadMessage
from communicator.db.session import Database
from communicator.events import AnyEvent, MessageCreated
from communicator.schemas import MessageCreate, MessageRead, Recipients, UnroutedRead
from communicator.services.core.actors import Actor
from communicator.services.messaging.inbox import assign_unrouted
from communicator.services.messaging.receive import receive_sms
from communicator.services.messaging.routing import choose_account
from communicator.services.messaging.send import send_message
from communicator.services.messaging.views import list_message_reads

FITTERS = 1  # the demo group «Монтажники»: employees 1-7 and 19
FITTER = "+79161000001"
STRANGER = "+79035550100"
NAMED = "+79035550200"

_decoder = msgspec.json.Decoder(AnyEvent)


async def _check_stored_as_answered(db: Database, answer: MessageRead) -> list[str]:
    """The answer, and the event's message and threads, are what a fresh read of the stored message shows; the kinds
    of its threads."""
    async with db.read() as session:
        message = await session.get_one(Message, answer.id)
        fresh = (await list_message_reads(session, [message]))[0]
        linked = sorted(
            await session.scalars(select(ThreadMessage.thread_id).where(ThreadMessage.message_id == answer.id))
        )
        in_threads = select(Thread.kind, Thread.last_message_id, Thread.last_activity_at).where(Thread.id.in_(linked))
        threads = (await session.execute(in_threads)).all()
    assert answer == fresh
    created = [e for p in db.published if p.id and isinstance(e := _decoder.decode(p.data), MessageCreated)]  # type: ignore[attr-defined]
    mine = [e for e in created if e.message.id == answer.id]
    assert len(mine) == 1 and mine[0].thread_ids == linked and linked
    assert mine[0].message == msgspec.json.decode(msgspec.json.encode(fresh), type=MessageRead)
    assert {(t.last_message_id, t.last_activity_at) for t in threads} == {(answer.id, fresh.created_at)}
    return sorted(t.kind for t in threads)


async def test_every_kind_of_inbound_answers_what_a_fresh_read_shows(db: Database, admin: Actor) -> None:
    await send_message(db, admin, MessageCreate(text="Сбор в 9:00", recipients=Recipients(groups=[FITTERS])))
    await send_message(db, admin, MessageCreate(text="Кто это?", recipients=Recipients(numbers=[STRANGER])))
    async with db.write() as session:
        session.add(Contact(account_id=admin.account_id, phone=NAMED, name="Прораб Смирнов", note=""))
    inbounds = [
        (
            FITTER,
            "Принял",
            ["employee", "group"],
        ),  # an employee answering a group broadcast: reply context, the group's thread
        (FITTER, "Авария на #объект5", ["employee", "tag"]),  # a new #tag: its thread instead of the group's
        (
            FITTER,
            "Ещё про #Объект5 и #склад",
            ["employee", "tag", "tag"],
        ),  # one tag's thread exists now, the other is new
        (FITTER, "Снова #объект5", ["employee", "tag"]),  # every tag's thread exists
        (STRANGER, "Это кто?", ["contact"]),  # a number answering a send: its contact thread exists
        ("+79035550300", "Здравствуйте", ["contact"]),  # a number never seen: contact and thread new
        ("+79035550300", "Алло", ["contact"]),  # the same number again: both exist
        (NAMED, "Это Смирнов", ["contact"]),  # a named contact without a thread yet
        (NAMED, "СТОП", ["contact"]),  # a contact's opt-out (subscribed to nothing: an ordinary message)
        ("MEGAFON", "Баланс 100 ₽", ["contact"]),  # an alphanumeric sender
    ]
    answers = []
    for sender, text, kinds in inbounds:
        answer = await receive_sms(db, None, sender, text)
        assert isinstance(answer, MessageRead)
        assert await _check_stored_as_answered(db, answer) == kinds, (
            text
        )  # before the next one touches the same threads
        answers.append(answer)
    assert answers[0].reply_to_id is not None and answers[7].contact_name == "Прораб Смирнов"


async def test_a_reply_after_the_window_answers_what_a_fresh_read_shows(db: Database, admin: Actor) -> None:
    await send_message(db, admin, MessageCreate(text="Сбор в 9:00", recipients=Recipients(groups=[FITTERS])))
    async with db.write() as session:
        long_ago = datetime.now(UTC) - timedelta(hours=13)  # the demo account's window is 12 hours
        await session.execute(update(Message).values(created_at=long_ago))
    answer = await receive_sms(db, None, FITTER, "Принял", smsc_id="mo-1")
    assert isinstance(answer, MessageRead) and answer.reply_to_id is None
    await _check_stored_as_answered(db, answer)
    assert await receive_sms(db, None, FITTER, "Принял", smsc_id="mo-1") == answer  # the duplicate reads it back


async def test_concurrent_inbounds_from_a_new_number_share_one_contact_thread(db: Database, admin: Actor) -> None:
    # Concurrent writers share one transaction (group commit): each reads the facts after the one before it wrote.
    answers = await asyncio.gather(*(receive_sms(db, None, "+79035550400", f"Сообщение {i}") for i in range(8)))
    assert all(isinstance(answer, MessageRead) for answer in answers)
    async with db.read() as session:
        messages = [await session.get_one(Message, answer.id) for answer in answers]
        assert answers == await list_message_reads(session, messages)
        contacts = list(await session.scalars(select(Contact.id).where(Contact.phone == "+79035550400")))
        linked = select(ThreadMessage.thread_id).where(ThreadMessage.message_id.in_([a.id for a in answers]))
        threads = (await session.execute(select(Thread.id, Thread.last_message_id).where(Thread.id.in_(linked)))).all()
    assert len(contacts) == 1 and [last for _id, last in threads] == [max(a.id for a in answers)]


async def test_an_assigned_unrouted_sms_answers_what_a_fresh_read_shows(db: Database, admin: Actor) -> None:
    await send_message(db, admin, MessageCreate(text="Сбор в 9:00", recipients=Recipients(groups=[FITTERS])))
    unrouted = await receive_sms(db, "0000", FITTER, "Принял")  # a short number nobody owns
    assert isinstance(unrouted, UnroutedRead)
    platform = msgspec.structs.replace(admin, platform_admin=True)
    assigned = await assign_unrouted(db, platform, unrouted.id, admin.account_id)
    # The employee's reply, within the window of the broadcast: the same threads as if it had been routed.
    assert await _check_stored_as_answered(db, assigned) == ["employee", "group"]
    assert assigned.reply_to_id is not None and assigned.created_at == unrouted.received_at


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements the writer runs meanwhile."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", note)


async def test_a_reply_from_a_known_sender_into_existing_threads_costs_few_statements(
    db: Database, admin: Actor
) -> None:
    await send_message(db, admin, MessageCreate(text="Сбор в 9:00", recipients=Recipients(groups=[FITTERS])))
    await receive_sms(db, None, FITTER, "Принял")  # the employee's thread exists from now on
    with _statements(db) as seen:
        await receive_sms(db, None, FITTER, "Уже еду", smsc_id="mo-2")
    # Facts, message, thread links, thread touch, event, webhook outbox; and the transaction's own statements.
    work = [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT"))]
    assert len(work) <= 7, work  # 6, and PostgreSQL's event-order lock


@pytest.mark.parametrize(
    ("last_sent_to", "employers", "owners", "chosen"),
    [
        (7, [8], [8], 7),  # the last to send to the phone wins over its employer
        (None, [8], [7, 8], 8),  # else the one employer among the owners
        (None, [7, 8], [7], 7),  # two employers say nothing; the only owner takes it
        (None, [7, 8], [7, 8], None),  # nobody decides: the unrouted inbox
        (None, [], [], None),  # a short number nobody owns
    ],
)
def test_the_first_routing_rule_that_answers_chooses(
    last_sent_to: int | None, employers: list[int], owners: list[int], chosen: int | None
) -> None:
    assert choose_account(last_sent_to, employers, owners) == chosen
