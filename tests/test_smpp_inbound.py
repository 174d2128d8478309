"""deliver_sm through the SMPP driver: receipts (hex/decimal ids, early, repeated, late) and MO (whole, UDH, SAR)."""

from __future__ import annotations

import asyncio

import smpp34
from sqlalchemy import func, select

from communicator.db.models import Delivery, Event, Message
from communicator.db.session import Database
from communicator.services.core.actors import Actor
from tests.helpers import count_by_status, wait_for
from tests.smpp_support import running_gateway, send_to_phones
from tests.smsc_peer import SmscPeer

pytest_plugins = ["tests.smpp_fixtures"]  # the fixtures: sdb, sadmin, peer
PHONE = "79161234567"


async def _all(db: Database, message_id: int, expected: dict[str, int]) -> bool:
    return await count_by_status(db, message_id) == expected


async def _events(db: Database, kind: str) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).where(Event.type == kind))).scalar_one()


async def test_receipts_name_the_id_in_the_other_base(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    peer.script.receipt_id_form = "decimal"  # submit_sm_resp says hex, the receipt says decimal
    peer.script.receipts = "UNDELIV"
    message_id = await send_to_phones(sdb, sadmin, 5)
    async with running_gateway(sdb, peer):
        await wait_for(
            lambda: _all(sdb, message_id, {"NotDelivered": 5}), timeout=30, what="5 NotDelivered by decimal ids"
        )
    async with sdb.read() as session:
        assert set((await session.scalars(select(Delivery.smsc_id))).all()) == set(peer.accepted)


async def test_a_receipt_before_its_submit_sm_resp_is_applied(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    peer.script.receipt_first = True
    peer.script.delay = 0.2
    message_id = await send_to_phones(sdb, sadmin, 5)
    async with running_gateway(sdb, peer):
        await wait_for(lambda: _all(sdb, message_id, {"Delivered": 5}), timeout=30, what="5 Delivered")


async def test_repeated_and_late_receipts_change_nothing(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    message_id = await send_to_phones(sdb, sadmin, 3)
    async with running_gateway(sdb, peer):
        await wait_for(lambda: _all(sdb, message_id, {"Delivered": 3}), timeout=30, what="3 Delivered")
        before = await _events(sdb, "delivery.updated")
        for message_id_at_smsc, submit in list(peer.accepted.items()):
            for stat in ("DELIVRD", "ENROUTE", "UNDELIV"):
                response = await peer.send_receipt(submit, message_id_at_smsc, stat)
                assert response is not None and response.is_success
        assert await _events(sdb, "delivery.updated") == before
    assert await count_by_status(sdb, message_id) == {"Delivered": 3}


async def test_an_unmatched_receipt_is_not_acknowledged(sdb: Database, peer: SmscPeer) -> None:
    async with running_gateway(sdb, peer):
        esme = await peer.wait_for(lambda: next(iter(peer.sessions.values()), None), 10, "a bound ESME")
        text = b"id:ABC123 sub:001 dlvrd:001 submit date:2611300000 done date:2611300000 stat:DELIVRD err:000 text:"
        response = await esme.deliver_sm(source_addr=PHONE, destination_addr="4938", esm_class=0x04, short_message=text)
    # Held in memory only: a resp of success would let a kill lose it, so the SMSC is asked to deliver it again.
    assert not response.is_success


async def _inbound(db: Database) -> list[str]:
    async with db.read() as session:
        return list((await session.scalars(select(Message.text).where(Message.direction == "in"))).all())


async def test_an_mo_is_stored_before_its_deliver_sm_resp(sdb: Database, peer: SmscPeer) -> None:
    async with running_gateway(sdb, peer):
        response = await peer.send_mo(PHONE, "4938", "Опаздываю на 10 минут".encode("utf-16-be"), data_coding=8)
        assert response.is_success
        assert await _inbound(sdb) == ["Опаздываю на 10 минут"]  # already committed: no waiting
        response = await peer.send_mo(PHONE, "4938", b"Ok, on my way \x1b\x3c1\x1b\x3e", data_coding=0)
        assert response.is_success
        assert await _inbound(sdb) == ["Опаздываю на 10 минут", "Ok, on my way [1]"]
        # The SMSC delivers again (it never saw the resp): the same MO is stored once.
        assert (await peer.send_mo(PHONE, "4938", b"Ok, on my way \x1b\x3c1\x1b\x3e")).is_success
        assert len(await _inbound(sdb)) == 2
    async with sdb.read() as session:
        sender = await session.scalar(select(Message.sender_phone).where(Message.direction == "in").limit(1))
    assert sender == "+" + PHONE


async def test_multipart_mo_is_reassembled_from_udh_and_from_sar(sdb: Database, peer: SmscPeer) -> None:
    first, second = "Первая часть длинного ответа, ", "и вторая."
    udh = [bytes((5, 0, 3, 0x2A, 2, n)) + part.encode("utf-16-be") for n, part in enumerate([first, second], 1)]
    sar = [
        [
            smpp34.Tlv(smpp34.TLV_SAR_MSG_REF_NUM, (513).to_bytes(2, "big")),
            smpp34.Tlv(smpp34.TLV_SAR_TOTAL_SEGMENTS, b"\x02"),
            smpp34.Tlv(smpp34.TLV_SAR_SEGMENT_SEQNUM, bytes((n,))),
        ]
        for n in (1, 2)
    ]
    async with running_gateway(sdb, peer):
        # Parts arrive out of order; each is answered only once the whole message is stored.
        responses = await asyncio.gather(
            peer.send_mo(PHONE, "4938", udh[1], esm_class=0x40, data_coding=8),
            peer.send_mo(PHONE, "4938", udh[0], esm_class=0x40, data_coding=8),
        )
        assert all(r.is_success for r in responses)
        assert await _inbound(sdb) == [first + second]
        responses = await asyncio.gather(
            peer.send_mo("79160000001", "4938", b"SAR part one, ", tlvs=sar[0]),
            peer.send_mo("79160000001", "4938", b"part two", tlvs=sar[1]),
        )
        assert all(r.is_success for r in responses)
        assert await _inbound(sdb) == [first + second, "SAR part one, part two"]
