"""What the SMPP driver carries through: the sender name (TON 5) and validity; every part's receipt counts."""

from __future__ import annotations

from sqlalchemy import select, update

from communicator.db.models import Account, Delivery, DeliveryPart, Message
from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.messaging.send import send_message
from tests.helpers import count_by_status, wait_for
from tests.smpp_support import running_gateway
from tests.smsc_peer import SmscPeer

pytest_plugins = ["tests.smpp_fixtures"]  # the fixtures: sdb, sadmin, peer


async def _approve(db: Database, *names: str) -> None:
    async with db.write() as session:
        await session.execute(update(Account).values(sender_names=list(names)))


async def test_sender_name_and_validity_reach_the_smsc(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    await _approve(sdb, "ACME")
    named = MessageCreate(
        text="От имени", recipients=Recipients(numbers=["+79261110001"]), sender_name="ACME", valid_minutes=90
    )
    plain = MessageCreate(text="С короткого номера", recipients=Recipients(numbers=["+79261110002"]))
    peer.proxy.captured = bytearray()
    first = (await send_message(sdb, sadmin, named)).id
    second = (await send_message(sdb, sadmin, plain)).id
    async with running_gateway(sdb, peer):
        for message_id in (first, second):
            await wait_for(lambda m=message_id: _delivered(sdb, m), timeout=20, what="both delivered")
    async with sdb.read() as session:
        assert await session.scalar(select(Message.sender_name).where(Message.id == first)) == "ACME"
    by_phone = {s.destination_addr: s for s in peer.captured_submits()}
    sent = by_phone["79261110001"]
    assert (sent.source_addr, sent.source_addr_ton) == ("ACME", 5)
    assert sent.validity_period == "000000013000000R", "90 minutes, relative"
    other = by_phone["79261110002"]
    assert (other.source_addr, other.source_addr_ton, other.validity_period) == ("4938", 3, "")


async def test_a_sender_name_not_approved_is_refused_and_nothing_stored(sdb: Database, sadmin: Actor) -> None:
    await _approve(sdb, "ACME")
    data = MessageCreate(text="x", recipients=Recipients(numbers=["+79261110001"]), sender_name="EVIL")
    try:
        await send_message(sdb, sadmin, data)
    except InvalidInput as error:
        assert error.code == "sender_name_not_allowed" and "EVIL" in error.detail
    else:
        raise AssertionError("an unapproved sender name was accepted")
    async with sdb.read() as session:
        assert (await session.scalars(select(Delivery.id).where(Delivery.phone == "+79261110001"))).all() == []


async def _delivered(db: Database, message_id: int) -> bool:
    return await count_by_status(db, message_id) == {"Delivered": 1}


LONG = "Плановые работы на подстанции: отключение с 9:00 до 18:00, просьба подготовить резервное питание. " * 2


async def _status_of(db: Database, phone: str) -> str:
    async with db.read() as session:
        return str(await session.scalar(select(Delivery.status).where(Delivery.phone == phone)))


async def test_every_part_receipt_counts_for_a_long_message(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    peer.script.receipts = None  # the test sends each part's receipt itself
    phones = ["+79261110001", "+79261110002"]
    await send_message(sdb, sadmin, MessageCreate(text=LONG, recipients=Recipients(numbers=phones)))
    async with running_gateway(sdb, peer):
        await peer.wait_for(lambda: len(peer.accepted) == 6, 20, "3 parts to each phone accepted")
        for phone in phones:
            await wait_for(lambda p=phone: _is(sdb, p, "Sent"), timeout=20, what="Sent")
        parts = {
            p: sorted((s for s in peer.accepted.values() if "+" + s.destination_addr == p), key=_seq) for p in phones
        }
        first, second = parts[phones[0]], parts[phones[1]]
        for part in first[:2]:
            assert await peer.send_receipt(part, part.message_id or "", "DELIVRD")
        assert await _status_of(sdb, phones[0]) == "Sent", "two of three parts delivered is not delivered"
        assert await peer.send_receipt(first[2], first[2].message_id or "", "DELIVRD")
        assert await _status_of(sdb, phones[0]) == "Delivered"

        assert await peer.send_receipt(second[1], second[1].message_id or "", "UNDELIV")
        assert await _status_of(sdb, phones[1]) == "NotDelivered", "one failed part fails the delivery"
        for part in (second[0], second[2]):
            assert await peer.send_receipt(part, part.message_id or "", "DELIVRD")
        assert await _status_of(sdb, phones[1]) == "NotDelivered"
    async with sdb.read() as session:
        stored = (await session.execute(select(DeliveryPart.smsc_id, DeliveryPart.status))).all()
    assert {smsc_id for smsc_id, _ in stored} == set(peer.accepted), "every part's SMSC id is kept"
    assert sorted(str(status) for _, status in stored).count("Delivered") == 5


def _seq(submit: object) -> int:
    return submit.short_message[5]  # type: ignore[attr-defined]  # the UDH's part number


async def _is(db: Database, phone: str, status: str) -> bool:
    return await _status_of(db, phone) == status
