"""The SMPP session's own mechanics (framing reads into PDUs, response timeouts on one timer) and the lanes' bind wait."""

from __future__ import annotations

import asyncio

import pytest

from communicator.gateway.drivers.smpp import SmppDriver
from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.pdu import Pdu
from communicator.gateway.smpp.rate import LEARN_SHARE, AdaptiveRate
from communicator.gateway.smpp.session import BindConfig, ResponseTimeout, Session
from communicator.gateway.smpp.wire import Wire
from communicator.queue import Claimed
from tests.conftest import free_port


async def test_the_wire_frames_pdus_split_and_joined_across_reads() -> None:
    received: list[Pdu] = []
    lost: list[str] = []
    wire = Wire(received.append, lost.append)
    sent = [Pdu(pdu.SUBMIT_SM | pdu.RESPONSE, 0, n, f"id{n}\0".encode()) for n in range(1, 6)]
    stream = b"".join(pdu.encode(p) for p in sent)
    for cut in (3, 17, 40, 41, len(stream)):  # inside a header, inside a body, several PDUs in one read
        wire.data_received(stream[:cut])
        stream = stream[cut:]
    wire.data_received(stream)
    assert received == sent and not lost
    wire.data_received(pdu.HEADER.pack(8, 0, 0, 0))  # a command_length shorter than the header
    assert lost == ["connection lost: PduError bad command_length 8"]


async def _bind_then_silence(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An SMSC that answers the bind and nothing after it."""
    length, _, _, sequence = pdu.HEADER.unpack(await reader.readexactly(pdu.HEADER.size))
    await reader.readexactly(length - pdu.HEADER.size)
    writer.write(pdu.encode(Pdu(pdu.BIND_TRANSCEIVER | pdu.RESPONSE, 0, sequence, b"SMSC\0")))
    await reader.read()  # until the session closes
    writer.close()


async def _deliver_nothing(request: Pdu) -> int:
    return 0


async def test_each_request_times_out_at_its_own_time_on_one_timer() -> None:
    server = await asyncio.start_server(_bind_then_silence, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    session = Session(BindConfig(host="127.0.0.1", port=port, system_id="s", password="p"), _deliver_nothing)
    await session.open()
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        slow = asyncio.ensure_future(session._request(pdu.ENQUIRE_LINK, b"", 5.0))
        quick = asyncio.ensure_future(session._request(pdu.ENQUIRE_LINK, b"", 0.2))  # due before the armed timer
        with pytest.raises(ResponseTimeout, match="within 0.2s"):
            await quick
        assert 0.19 <= loop.time() - started < 4.0, "the shorter timeout did not wait for the longer one"
        assert not slow.done()
        await session.close("test over")
        with pytest.raises(ConnectionError):
            await slow
    finally:
        await session.close("test over")
        server.close()


async def test_a_batch_with_no_bind_up_waits_for_one_once_not_once_per_delivery() -> None:
    absent = BindConfig(host="127.0.0.1", port=free_port(), system_id="s", password="p", window=2)  # refused
    driver = SmppDriver(None, [absent], tps=100, bind_wait_seconds=0.3)  # type: ignore[arg-type]  # no database
    await driver.start()
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        results = await driver.submit([Claimed(i, 1, f"+7926{i:07}", "hi", 1, False) for i in range(10)])
        assert all(r.unsent for r in results)
        assert loop.time() - started < 1.2, "each lane's deliveries waited for the bind one after another"
    finally:
        await driver.stop()


async def test_a_throttle_learns_the_lower_of_acceptances_and_sends_minus_refusals() -> None:
    now = [100.0]
    rate = AdaptiveRate(1000, clock=lambda: now[0])
    for n in range(56):  # 56 sends in the last second; the SMSC took 50, refused 3, and 3 are not answered yet
        now[0] = 100.0 + n / 56
        await rate.acquire()
    for _ in range(50):
        rate.accepted()
    rate.throttled()
    assert rate.rate == pytest.approx(50 * LEARN_SHARE), (
        "sends minus refusals (55) would have counted the unanswered ones"
    )
    for _ in range(40):  # acceptances of sends from before the last second: now the other count is the lower
        rate.accepted()
    now[0] += 0.4  # the last second holds 34 of the sends, and both refusals
    rate.throttled()
    assert rate.rate == pytest.approx((34 - 2) * LEARN_SHARE)
