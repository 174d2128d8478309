"""The SMPP driver against smpp34's Server: submits, parts, encodings, classes of errors, pacing, leases."""

from __future__ import annotations

import asyncio
from bisect import bisect_left

import smpp34
from sqlalchemy import select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.gateway.drivers.smpp import SmppDriver
from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.text import DC_GSM7, DC_UCS2, split_text
from communicator.queue import Claimed
from communicator.services.core.actors import Actor
from tests.helpers import count_by_status, wait_for
from tests.smpp_support import bind_for, running_gateway, send_to_all, send_to_phones
from tests.smsc_peer import SmscPeer

pytest_plugins = ["tests.smpp_fixtures"]  # the fixtures: sdb, sadmin, peer


async def _all(db: Database, message_id: int, status: str, count: int = 18) -> bool:
    return await count_by_status(db, message_id) == {status: count}


async def test_submits_and_receipts_deliver_every_message(db: Database, admin: Actor, peer: SmscPeer) -> None:
    message_id = await send_to_all(db, admin, "Short latin text")
    async with running_gateway(db, peer):
        await wait_for(lambda: _all(db, message_id, "Delivered"), timeout=30, what="18 Delivered")
    assert len(peer.submits) == 18
    first = peer.submits[0]
    assert (first.source_addr, first.source_ton, first.data_coding, first.esm_class) == ("4938", 3, DC_GSM7, 0)
    async with db.read() as session:
        ids = set((await session.scalars(select(Delivery.smsc_id))).all())
    assert ids == set(peer.accepted)


async def test_long_texts_go_as_parts_with_one_reference_per_message(
    sdb: Database, sadmin: Actor, peer: SmscPeer
) -> None:
    latin = "Long text in the GSM alphabet, [escaped] too. " * 8  # 384 chars → 3 parts of ≤153
    cyrillic = "Длинный текст кириллицей, чтобы разбился на части. " * 3  # 153 chars → 3 parts of ≤67
    first = await send_to_phones(sdb, sadmin, 3, latin)
    second = await send_to_phones(sdb, sadmin, 2, cyrillic)
    async with running_gateway(sdb, peer):
        await wait_for(lambda: _all(sdb, first, "Delivered", 3), timeout=30, what="the latin message delivered")
        await wait_for(lambda: _all(sdb, second, "Delivered", 2), timeout=30, what="the cyrillic message delivered")
    by_reference: dict[int, list[tuple[str, int, bytes]]] = {}
    for submit in peer.submits:
        assert submit.esm_class & 0x40, "every part carries a UDH"
        udh = submit.short_message[:6]
        assert udh[:3] == bytes((5, 0, 3)) and udh[4] == 3
        by_reference.setdefault(udh[3], []).append((submit.destination_addr, submit.data_coding, submit.short_message))
    assert len(by_reference) == 5, "one reference per message to each phone"
    texts = []
    for parts in by_reference.values():
        assert len({phone for phone, _, _ in parts}) == 1 and len(parts) == 3
        ordered = sorted(parts, key=lambda p: p[2][5])
        assert [p[2][5] for p in ordered] == [1, 2, 3]
        body = b"".join(p[2][6:] for p in ordered)
        texts.append(body.decode("utf-16-be") if parts[0][1] == DC_UCS2 else body.decode("latin-1"))
    assert sorted(texts).count(cyrillic) == 2
    assert sum(t.startswith("Long text in the GSM alphabet, \x1b<escaped\x1b> too.") for t in texts) == 3


def test_split_text_keeps_escapes_and_surrogates_whole() -> None:
    text = "a" * 152 + "€" + "b" * 10  # the escape pair would straddle the 153-septet boundary
    parts = split_text(text, 7)
    assert [len(p.short_message) - 6 for p in parts] == [152, 12]
    emoji = "я" * 66 + "🙂" + "я" * 10  # the surrogate pair would straddle the 67-unit boundary
    assert [len(p.short_message) - 6 for p in split_text(emoji, 9)] == [132, 24]
    assert len(split_text("x" * 160, 1)) == 1 and len(split_text("ж" * 70, 1)) == 1


def test_sender_name_and_validity_are_carried_in_the_submit() -> None:
    driver = SmppDriver(None, [], tps=10)  # type: ignore[arg-type]  # building a body needs no database
    claimed = Claimed(1, 1, "+79261234567", "Hi", 1, False, sender="ACME", validity_minutes=90)
    body = driver._body(claimed, split_text("Hi", 1)[0])
    decoded = smpp34.decode(pdu.encode(pdu.Pdu(pdu.SUBMIT_SM, 0, 5, body)))
    assert isinstance(decoded, smpp34.SubmitSm)
    assert (decoded.source_addr, decoded.source_addr_ton) == ("ACME", 5)
    assert decoded.validity_period == "000000013000000R"
    assert (decoded.destination_addr, decoded.dest_addr_ton, decoded.registered_delivery) == ("79261234567", 1, 1)
    plain = driver._body(Claimed(1, 1, "+79261234567", "Hi", 1, False), split_text("Hi", 1)[0])
    decoded = smpp34.decode(pdu.encode(pdu.Pdu(pdu.SUBMIT_SM, 0, 6, plain)))
    assert isinstance(decoded, smpp34.SubmitSm) and decoded.validity_period == "" and decoded.source_addr == "4938"


async def test_permanent_errors_fail_at_once_and_retryable_ones_are_bounded(
    sdb: Database, sadmin: Actor, peer: SmscPeer
) -> None:
    peer.script.reject = {"79263000000": 0x0B, "79263000001": 0x08}  # ESME_RINVDSTADR, ESME_RSYSERR
    message_id = await send_to_phones(sdb, sadmin, 3)
    async with running_gateway(sdb, peer):
        await wait_for(
            lambda: _has(sdb, message_id, {"Delivered": 1, "Error": 1, "Pending": 1}), timeout=30, what="outcomes"
        )
    tries = [s.destination_addr for s in peer.submits]
    assert tries.count("79263000000") == 1
    assert tries.count("79263000001") == 4  # the first try and 3 retries, then back to the queue for later
    async with sdb.read() as session:
        rows = dict((await session.execute(select(Delivery.phone, Delivery.error))).all())
    assert rows["+79263000000"] == "SMSC answered command_status 0x0B"
    assert rows["+79263000001"] == "SMSC answered command_status 0x08"


async def _has(db: Database, message_id: int, expected: dict[str, int]) -> bool:
    return await count_by_status(db, message_id) == expected


async def test_the_window_bounds_outstanding_submits(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    peer.script.delay = 0.05
    message_id = await send_to_phones(sdb, sadmin, 60)
    async with running_gateway(sdb, peer, window=4):
        await wait_for(lambda: _all(sdb, message_id, "Delivered", 60), timeout=30, what="60 Delivered")
    assert peer.max_outstanding == 4


async def test_the_tps_limit_holds_in_every_one_second_window(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    tps = 150
    message_id = await send_to_phones(sdb, sadmin, 330)
    async with running_gateway(sdb, peer, tps=tps, batch=400, window=50) as driver:
        driver.rate.history = []
        await wait_for(lambda: _all(sdb, message_id, "Delivered", 330), timeout=15, what="330 Delivered")
    # Measured where the driver writes each submit_sm: the in-process peer stamps them late when the loop is busy.
    times = driver.rate.history
    assert len(times) >= 330  # a submit whose resp came late under load is sent again
    busiest = max(bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    assert busiest <= tps * 1.01, f"{busiest} submit_sm in one second against a limit of {tps}"
    assert busiest >= tps * 0.5, "the limit is approached (the suite machine may be busy)"


async def test_leases_are_renewed_while_a_slow_smsc_holds_the_batch(
    sdb: Database, sadmin: Actor, peer: SmscPeer
) -> None:
    peer.script.delay = 1.0  # longer than the lease below
    message_id = await send_to_phones(sdb, sadmin, 10)
    async with running_gateway(sdb, peer, lease=0.6, window=10), running_gateway(sdb, peer, lease=0.6):
        await wait_for(lambda: _all(sdb, message_id, "Delivered", 10), timeout=30, what="10 Delivered")
    assert len(peer.submits) == 10, "the second gateway never took over the live round"
    async with sdb.read() as session:
        assert not any((await session.scalars(select(Delivery.possible_duplicate))).all())


async def test_no_bind_leaves_deliveries_queued_and_reports_the_link(sdb: Database, sadmin: Actor) -> None:
    absent = SmscPeer()  # never started: its port refuses connections
    message_id = await send_to_phones(sdb, sadmin, 2)
    async with running_gateway(sdb, absent) as driver:
        await wait_for(lambda: _refused(driver), timeout=30, what="the link reporting the refusal")
        await asyncio.sleep(0.3)  # several worker rounds: none may claim while no link is up
        [state] = driver.link_states()
        assert state.status == "connecting"
    assert await count_by_status(sdb, message_id) == {"Pending": 2}
    async with sdb.read() as session:
        assert set((await session.scalars(select(Delivery.attempts))).all()) == {0}, "an outage spends no attempts"


async def _refused(driver: SmppDriver) -> bool:
    return "ConnectionRefusedError" in (driver.link_states()[0].last_error or "")


async def test_bind_states_follow_the_link(sdb: Database, sadmin: Actor, peer: SmscPeer) -> None:
    async with running_gateway(sdb, peer, binds=2) as driver:
        await wait_for(lambda: _statuses(driver, ["bound", "bound"]), timeout=30, what="two binds up")
        assert [s.name for s in driver.link_states()] == [
            f"smpp:esme@127.0.0.1:{peer.port}#1",
            f"smpp:esme@127.0.0.1:{peer.port}#2",
        ]
        before = driver.link_states()[0].since
        # The SMSC can only unbind the sessions its own task has registered (it can lag the bind_resp under load).
        await wait_for(lambda: _peer_binds(peer, 2), timeout=10, what="the SMSC holding both sessions")
        await peer.unbind_all()
        await wait_for(lambda: _rebound(driver), timeout=30, what="both binds back after the SMSC unbound")
        assert driver.link_states()[0].since > before
        # The driver sees a bind_resp before the peer's own task has taken the bind event off its queue.
        await wait_for(lambda: _peer_binds(peer, 4), timeout=10, what="the SMSC counting four binds")
    assert [s.status for s in driver.link_states()] == ["down", "down"]


async def _statuses(driver: SmppDriver, expected: list[str]) -> bool:
    return [s.status for s in driver.link_states()] == expected


async def _peer_binds(peer: SmscPeer, count: int) -> bool:
    return peer.binds == count


async def _rebound(driver: SmppDriver) -> bool:
    return all(link.binds == 2 and link.status == "bound" for link in driver.links)


def test_rebind_backoff_is_exponential_capped_and_jittered() -> None:
    driver = SmppDriver(None, [bind_for(SmscPeer())], tps=10)  # type: ignore[arg-type]
    link = driver.links[0]
    link.backoff_base, link.backoff_cap = 1.0, 30.0
    for failures, ceiling in [(1, 2.0), (2, 4.0), (4, 16.0), (10, 30.0)]:
        waits = {round(link.backoff(failures), 6) for _ in range(50)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(waits) > 10, "jittered, so binds lost together do not come back together"


async def test_an_empty_batch_is_fine(sdb: Database, peer: SmscPeer) -> None:
    driver = SmppDriver(sdb, [bind_for(peer)], tps=10)
    assert await driver.submit([]) == []
    await asyncio.sleep(0)
