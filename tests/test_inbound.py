"""Inbound SMS on a shared short number (docs/inbound.md): each rule of the routing, the unrouted inbox, assignment."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import func, select

from communicator.db.models import AuditEntry, Employee, Message, Thread, ThreadMessage, UnroutedMessage
from communicator.db.session import Database
from communicator.events import MessageCreated
from communicator.events.log import Published
from communicator.schemas import MessageCreate, MessageRead, Recipients, UnroutedRead
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from communicator.services.identity.accounts import create_account, create_user
from communicator.services.messaging.inbox import assign_unrouted, list_unrouted
from communicator.services.messaging.receive import receive_sms
from communicator.services.messaging.send import send_message

SHARED = "4938"
ALONE = "5050"
ALPHA_PHONE = "+79161110001"  # an employee of Alpha
BRAVO_PHONE = "+79162220001"  # an employee of Bravo
BOTH_PHONE = "+79163330001"  # an employee of both
STRANGER = "+79035550000"  # nobody's


class Accounts(msgspec.Struct):
    """Alpha and Bravo share 4938; Solo alone owns 5050; each with its Administrator; and a platform admin."""

    alpha: Actor
    bravo: Actor
    solo: Actor
    platform: Actor


async def _admin(db: Database, name: str, short_number: str, phones: list[str]) -> Actor:
    """An account with its Administrator and employees on the given phones."""
    async with db.write() as session:
        account = await create_account(session, name, short_number)
        user = await create_user(session, account.id, f"{name}-admin", "inbound-password", "Administrator")
        for number, phone in enumerate(phones):
            session.add(Employee(account_id=account.id, name=f"{name} {number}", phone=phone))
    return Actor(user.id, account.id, user.role, user.login, user.name)


@pytest.fixture
async def accounts(db: Database) -> Accounts:
    """The three accounts, created in a fresh database."""
    alpha = await _admin(db, "alpha", SHARED, [ALPHA_PHONE, BOTH_PHONE])
    bravo = await _admin(db, "bravo", SHARED, [BRAVO_PHONE, BOTH_PHONE])
    solo = await _admin(db, "solo", ALONE, [])
    platform = msgspec.structs.replace(solo, platform_admin=True)
    return Accounts(alpha, bravo, solo, platform)


async def account_of(db: Database, received: MessageRead | UnroutedRead) -> int:
    """The account an inbound message was stored in (it must have been routed)."""
    assert isinstance(received, MessageRead), received
    async with db.read() as session:
        return await session.scalar(select(Message.account_id).where(Message.id == received.id))


async def count(db: Database, model: type) -> int:
    """Rows of a table."""
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def send_to(db: Database, actor: Actor, phone: str) -> None:
    """The account sends one SMS to the phone."""
    await send_message(db, actor, MessageCreate(text="Смена", recipients=Recipients(numbers=[phone])))


async def test_two_accounts_on_one_short_number_each_get_their_own_employees_replies(
    db: Database, accounts: Accounts
) -> None:
    from_alpha = await receive_sms(db, SHARED, ALPHA_PHONE, "Принял")
    from_bravo = await receive_sms(db, SHARED, BRAVO_PHONE, "Принял")
    assert await account_of(db, from_alpha) == accounts.alpha.account_id
    assert await account_of(db, from_bravo) == accounts.bravo.account_id
    assert isinstance(from_alpha, MessageRead) and from_alpha.employee_name == "alpha 0"


async def test_the_account_that_last_sent_to_the_phone_wins_over_the_employer(db: Database, accounts: Accounts) -> None:
    await send_to(db, accounts.bravo, ALPHA_PHONE)
    answer = await receive_sms(db, SHARED, ALPHA_PHONE, "Это мне?")
    assert await account_of(db, answer) == accounts.bravo.account_id
    assert isinstance(answer, MessageRead) and answer.employee_id is None  # not Bravo's employee: its «Неизвестные»
    await send_to(db, accounts.alpha, ALPHA_PHONE)
    assert await account_of(db, await receive_sms(db, SHARED, ALPHA_PHONE, "Да")) == accounts.alpha.account_id


async def test_a_stranger_answering_a_send_reaches_the_sender(db: Database, accounts: Accounts) -> None:
    await send_to(db, accounts.bravo, STRANGER)
    assert await account_of(db, await receive_sms(db, SHARED, STRANGER, "Кто это?")) == accounts.bravo.account_id


async def test_the_only_owner_of_a_short_number_gets_every_sender(db: Database, accounts: Accounts) -> None:
    assert await account_of(db, await receive_sms(db, ALONE, STRANGER, "Здравствуйте")) == accounts.solo.account_id
    # An alphanumeric sender is stored as given, never dropped.
    named = await receive_sms(db, ALONE, " MEGAFON ", "Баланс 100 ₽")
    assert await account_of(db, named) == accounts.solo.account_id
    assert isinstance(named, MessageRead) and named.sender_phone == "MEGAFON" and named.employee_id is None


@pytest.mark.parametrize(
    ("short_number", "sender"),
    [
        (SHARED, STRANGER),  # two owners, neither knows the sender
        (SHARED, BOTH_PHONE),  # an employee of both, sent to by neither
        (SHARED, "Bank"),  # an alphanumeric sender on a shared number
        ("0000", STRANGER),  # a short number nobody owns
    ],
)
async def test_a_sender_no_rule_decides_goes_to_the_unrouted_inbox(
    db: Database, accounts: Accounts, short_number: str, sender: str
) -> None:
    before = await count(db, Message), await count(db, ThreadMessage)
    received = await receive_sms(db, short_number, sender, "Помогите")
    assert isinstance(received, UnroutedRead) and received.sender == sender
    assert (await count(db, Message), await count(db, ThreadMessage)) == before
    assert not [p for p in db.published if p.id]  # type: ignore[attr-defined]  # no account heard of it
    page = await list_unrouted(db, accounts.platform, None, 50)
    assert [(m.id, m.short_number, m.text) for m in page.items] == [(received.id, short_number, "Помогите")]


async def test_no_short_number_means_any_account(db: Database, accounts: Accounts) -> None:
    assert await account_of(db, await receive_sms(db, None, BRAVO_PHONE, "Тут")) == accounts.bravo.account_id
    assert isinstance(await receive_sms(db, None, STRANGER, "Тут"), UnroutedRead)


async def test_only_a_platform_admin_sees_and_assigns_the_unrouted_inbox(db: Database, accounts: Accounts) -> None:
    received = await receive_sms(db, SHARED, STRANGER, "?")
    token = msgspec.structs.replace(accounts.platform, token_id=1)
    for outsider in (accounts.alpha, token):
        with pytest.raises(Forbidden):
            await list_unrouted(db, outsider, None, 50)
        with pytest.raises(Forbidden):
            await assign_unrouted(db, outsider, received.id, accounts.alpha.account_id)
    assert await count(db, Message) == 0


async def test_an_assigned_message_becomes_an_ordinary_inbound_message(db: Database, accounts: Accounts) -> None:
    received = await receive_sms(db, SHARED, STRANGER, "Я по объявлению")
    assigned = await assign_unrouted(db, accounts.platform, received.id, accounts.bravo.account_id)
    assert (assigned.text, assigned.sender_phone, assigned.direction) == ("Я по объявлению", STRANGER, "in")
    assert assigned.created_at == received.received_at
    assert await account_of(db, assigned) == accounts.bravo.account_id
    async with db.read() as session:
        thread = await session.scalar(select(Thread).join(ThreadMessage).where(ThreadMessage.message_id == assigned.id))
        audit = (await session.scalars(select(AuditEntry))).all()
    page = await list_unrouted(db, accounts.platform, None, 50)
    assert thread is not None and thread.account_id == accounts.bravo.account_id and thread.kind == "contact"
    assert thread.last_message_id == assigned.id
    events = [p for p in db.published if isinstance(p, Published) and p.id]  # type: ignore[attr-defined]
    assert [(e.account_id, msgspec.json.decode(e.data)["type"]) for e in events] == [
        (accounts.bravo.account_id, MessageCreated.__struct_config__.tag)
    ]
    assert [(a.account_id, a.action, a.target_id, a.actor_name) for a in audit] == [
        (accounts.bravo.account_id, "inbound.assigned", assigned.id, accounts.platform.name)
    ]
    assert page.items == []


async def test_assignment_refusals_name_what_was_wrong_and_change_nothing(db: Database, accounts: Accounts) -> None:
    received = await receive_sms(db, SHARED, STRANGER, "?")
    with pytest.raises(NotFound):
        await assign_unrouted(db, accounts.platform, received.id + 1, accounts.alpha.account_id)
    with pytest.raises(InvalidInput) as unknown:
        await assign_unrouted(db, accounts.platform, received.id, 999)
    assert unknown.value.code == "unknown_account"
    assert await count(db, Message) == 0
    await assign_unrouted(db, accounts.platform, received.id, accounts.alpha.account_id)
    with pytest.raises(Conflict):
        await assign_unrouted(db, accounts.platform, received.id, accounts.bravo.account_id)
    assert await count(db, Message) == 1


@pytest.mark.parametrize("sender", ["", "   ", "A" * 21, "MEGA\nFON"])
async def test_a_sender_that_is_neither_a_phone_nor_a_name_is_refused(
    db: Database, accounts: Accounts, sender: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await receive_sms(db, ALONE, sender, "x")
    assert refused.value.code == "invalid_sender" and refused.value.extra == {"sender": sender}
    assert (await count(db, Message), await count(db, UnroutedMessage)) == (0, 0)


async def test_an_smsc_resending_an_mo_stores_it_once(db: Database, accounts: Accounts) -> None:
    first = await receive_sms(db, SHARED, ALPHA_PHONE, "да", smsc_id="mo-1")
    again = await receive_sms(db, SHARED, ALPHA_PHONE, "да", smsc_id="mo-1")
    other_text = await receive_sms(db, SHARED, ALPHA_PHONE, "нет", smsc_id="mo-1")
    assert first == again and other_text.id != first.id
    assert await count(db, Message) == 2


async def test_an_unrouted_mo_resent_is_stored_once_and_after_assignment_is_the_assigned_message(
    db: Database, accounts: Accounts
) -> None:
    first = await receive_sms(db, SHARED, STRANGER, "алло", smsc_id="mo-7")
    assert await receive_sms(db, SHARED, STRANGER, "алло", smsc_id="mo-7") == first
    assigned = await assign_unrouted(db, accounts.platform, first.id, accounts.solo.account_id)
    # Routed now, the re-sent MO would go nowhere new: it is the message the admin made of it.
    await send_to(db, accounts.alpha, STRANGER)
    again = await receive_sms(db, SHARED, STRANGER, "алло", smsc_id="mo-7")
    assert isinstance(again, MessageRead) and again.id == assigned.id
    assert (await count(db, Message), await count(db, UnroutedMessage)) == (2, 1)
