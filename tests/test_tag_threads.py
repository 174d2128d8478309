"""Tag threads (SPEC §2 rule 1, §3) and external contacts on tags with «СТОП» opt-outs. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from communicator.db.models import Delivery, Message, Thread
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.schemas import (
    ContactCreate,
    ContactResubscribe,
    ContactUpdate,
    MessageCreate,
    PermissionsUpdate,
    Recipients,
)
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput
from communicator.services.directory.contacts import (
    create_contact,
    list_contacts,
    resubscribe_contact,
    update_contact,
)
from communicator.services.directory.tag_list import list_tags
from communicator.services.messaging.reads import mark_thread_read
from communicator.services.messaging.send import send_message
from communicator.services.messaging.threads import list_thread_messages, list_threads
from tests.helpers import receive_reply
from tests.test_permissions import make_user

INSTALLER = 1  # Иванов, «Монтажники»
INSTALLER_PHONE = "+79161000001"
FITTERS = 1
CONTRACTOR = "+79035550101"
SITE_ADMIN = "+79035550202"


def send(text: str, **recipients: list) -> MessageCreate:
    """A message to these recipients."""
    return MessageCreate(text=text, recipients=Recipients(**recipients))


async def send_message_as(db: Database, actor: Actor, text: str, **recipients: list) -> int:
    """Send and return the message id."""
    return (await send_message(db, actor, send(text, **recipients))).id


async def thread_of(db: Database, actor: Actor, kind: str, title_or_ref: str | int) -> tuple[int, int]:
    """(thread id, unread) of the listed thread of that kind, by title («#1234») or ref id."""
    _, threads, _ = await list_threads(db, actor)
    for t in threads:
        if t.kind == kind and title_or_ref in (t.title, t.ref_id):
            return t.id, t.unread
    raise AssertionError(f"no {kind} thread {title_or_ref} in {[(t.kind, t.title) for t in threads]}")


async def texts(db: Database, actor: Actor, thread_id: int) -> list[str]:
    """The texts of a thread, oldest first."""
    return [m.text for m in (await list_thread_messages(db, actor, thread_id, None, 50)).items]


async def deliveries_to(db: Database, phone: str) -> int:
    """How many SMS were ever queued to the phone."""
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.phone == phone))


async def test_field_coordination_order_and_report_share_the_tag_thread(db: Database, admin: Actor) -> None:
    order = "#1234 ул. Ленина 5, замер 14:00"
    await send_message_as(db, admin, order, employees=[INSTALLER])
    await receive_reply(db, INSTALLER_PHONE, "#1234 готово")
    tag_thread, unread = await thread_of(db, admin, "tag", "#1234")
    assert await texts(db, admin, tag_thread) == [order, "#1234 готово"] and unread == 1
    person, person_unread = await thread_of(db, admin, "employee", INSTALLER)
    assert await texts(db, admin, person) == [order, "#1234 готово"] and person_unread == 1
    # Read in the tag thread: the same message is read in the installer's thread too.
    assert (await list_threads(db, admin))[2] == 1  # one unread message, however many threads show it
    await mark_thread_read(db, admin, tag_thread, 10**9)
    assert (await thread_of(db, admin, "employee", INSTALLER))[1] == 0


async def test_tags_are_case_insensitive_and_a_tagged_reply_leaves_the_broadcast_alone(
    db: Database, admin: Actor
) -> None:
    await send_message_as(db, admin, "Сбор в 9:00", groups=[FITTERS])
    await receive_reply(db, INSTALLER_PHONE, "#Авария на объекте")
    await receive_reply(db, "+79161000002", "#АВАРИЯ подтверждаю")
    await receive_reply(db, "+79161000003", "Принял")  # untagged: rule 3, the broadcast's group thread
    alarm, _ = await thread_of(db, admin, "tag", "#авария")
    assert await texts(db, admin, alarm) == ["#Авария на объекте", "#АВАРИЯ подтверждаю"]
    group, _ = await thread_of(db, admin, "group", FITTERS)
    assert await texts(db, admin, group) == ["Сбор в 9:00", "Принял"]
    async with db.read() as session:
        tag_threads = await session.scalar(select(func.count()).select_from(Thread).where(Thread.kind == "tag"))
    assert tag_threads == 1


async def test_sending_to_a_tag_files_the_message_in_its_thread(db: Database, admin: Actor) -> None:
    await send_message_as(db, admin, "Проверка связи", tags=["#Дежурство"])
    duty, _ = await thread_of(db, admin, "tag", "#дежурство")
    assert await texts(db, admin, duty) == ["Проверка связи"]


async def test_a_text_of_many_tags_opens_at_most_ten_threads(db: Database, admin: Actor) -> None:
    await receive_reply(db, INSTALLER_PHONE, " ".join(f"#t{i}" for i in range(40)) + " #" + "x" * 150)
    async with db.read() as session:
        kinds = await session.scalars(select(Thread.kind).where(Thread.kind == ThreadKind.TAG))
        assert len(list(kinds)) == 10


async def test_an_operator_sees_only_the_tag_threads_they_are_permitted(db: Database, admin: Actor) -> None:
    operator = await make_user(db, admin, PermissionsUpdate(tags=["авария", "1234"]))
    await send_message_as(db, admin, "#авария подстанция 3", tags=["авария"])
    await send_message_as(db, admin, "#дежурство смена", tags=["дежурство"])
    await receive_reply(db, "+79161000013", "#1234 готово")  # a tag permitted before it existed
    visible = {t.title for t in (await list_threads(db, operator))[1] if t.kind == "tag"}
    assert visible == {"#авария", "#1234"}
    duty, _ = await thread_of(db, admin, "tag", "#дежурство")
    with pytest.raises(Forbidden, match="outside your reach"):
        await list_thread_messages(db, operator, duty, None, 50)
    order, _ = await thread_of(db, operator, "tag", "#1234")
    assert await texts(db, operator, order) == ["#1234 готово"]


async def test_a_contact_subscribed_to_a_tag_gets_its_sends_until_it_says_stop(db: Database, admin: Actor) -> None:
    contractor = await create_contact(db, admin, ContactCreate(phone=CONTRACTOR, name="Подрядчик", tags=["#Объект"]))
    await create_contact(db, admin, ContactCreate(phone=SITE_ADMIN, name="Админ площадки", tags=["объект", "склад"]))
    await send_message_as(db, admin, "Завтра отгрузка", tags=["объект"])
    assert await deliveries_to(db, CONTRACTOR) == 1 and await deliveries_to(db, SITE_ADMIN) == 1

    await receive_reply(db, CONTRACTOR, "стоп")
    await receive_reply(db, CONTRACTOR, "STOP")  # already out: no second confirmation
    assert await deliveries_to(db, CONTRACTOR) == 2  # the send, then one confirmation
    async with db.read() as session:
        confirmation = await session.scalar(
            select(Message.text).join(Delivery).where(Delivery.phone == CONTRACTOR).order_by(Message.id.desc())
        )
    assert confirmation.startswith("Вы отписались от #объект")
    [listed] = [c for c in await list_contacts(db, admin) if c.id == contractor.id]
    assert listed.tags == ["объект"] and listed.opted_out == ["объект"]
    assert {t.tag: (t.subscribers, t.opted_out) for t in await list_tags(db, admin)}["объект"] == (1, [contractor.id])

    await send_message_as(db, admin, "Отгрузка перенесена", tags=["объект"])
    assert await deliveries_to(db, CONTRACTOR) == 2 and await deliveries_to(db, SITE_ADMIN) == 2

    back = await resubscribe_contact(db, admin, contractor.id, ContactResubscribe())
    assert back.opted_out == []
    await send_message_as(db, admin, "Отгрузка в 10:00", tags=["объект"])
    assert await deliveries_to(db, CONTRACTOR) == 3


async def test_stop_with_a_tag_leaves_only_that_tag(db: Database, admin: Actor) -> None:
    await create_contact(db, admin, ContactCreate(phone=SITE_ADMIN, name="Админ площадки", tags=["объект", "склад"]))
    await receive_reply(db, SITE_ADMIN, "СТОП #Склад")
    [contact] = await list_contacts(db, admin)
    assert contact.opted_out == ["склад"]
    with pytest.raises(InvalidInput) as refused:  # its only subscriber left
        await send_message_as(db, admin, "Инвентаризация", tags=["склад"])
    assert refused.value.code == "unknown_tags"
    # Kept tags keep their opt-out when the subscriptions are edited; dropped ones go.
    edited = await update_contact(db, admin, contact.id, ContactUpdate(tags=["склад", "новый"]))
    assert edited.tags == ["новый", "склад"] and edited.opted_out == ["склад"]


async def test_an_employees_stop_is_an_ordinary_message(db: Database, admin: Actor) -> None:
    await receive_reply(db, "+79161000013", "СТОП")
    assert await deliveries_to(db, "+79161000013") == 0  # no confirmation: their tags are duties
    alarm = await send_message_as(db, admin, "Проверка", tags=["авария"])
    async with db.read() as session:
        phones = set(await session.scalars(select(Delivery.phone).where(Delivery.message_id == alarm)))
    assert "+79161000013" in phones


async def test_a_tag_permit_reaches_the_tags_contacts_but_not_other_numbers(db: Database, admin: Actor) -> None:
    contact = await create_contact(db, admin, ContactCreate(phone=CONTRACTOR, name="Подрядчик", tags=["объект"]))
    operator = await make_user(db, admin, PermissionsUpdate(tags=["объект"]))
    sent = await send_message_as(db, operator, "#объект отгрузка в 10:00", tags=["объект"])
    async with db.read() as session:
        phones = set(await session.scalars(select(Delivery.phone).where(Delivery.message_id == sent)))
    assert phones == {CONTRACTOR}
    order, _ = await thread_of(db, operator, "tag", "#объект")
    assert await texts(db, operator, order) == ["#объект отгрузка в 10:00"]
    with pytest.raises(Forbidden) as refused:
        await send_message_as(db, operator, "Привет", numbers=[SITE_ADMIN])
    assert refused.value.code == "forbidden_recipients"
    with pytest.raises(Forbidden):  # re-subscribing is an Administrator's
        await resubscribe_contact(db, operator, contact.id, ContactResubscribe())
