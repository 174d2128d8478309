"""SMPP fault tests, in process: dropped responses, a throttling SMSC, a silent link. Counts scale with
COMMUNICATOR_SMPP_TEST_SCALE (bench/bench_smpp.py runs them full size)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.services.core.actors import Actor
from tests.helpers import count_by_status, wait_for
from tests.smpp_support import (
    SCALE,
    check_mo_stored_once,
    crash_gateway,
    deliver_mo_through_kills,
    running_gateway,
    scaled,
    send_to_phones,
    start_gateway,
)
from tests.smsc_peer import SmscPeer

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)

pytest_plugins = ["tests.smpp_fixtures"]  # the fixtures: sdb, sadmin, peer


async def _delivered(db: Database, message_id: int, count: int) -> bool:
    return await count_by_status(db, message_id) == {"Delivered": count}


async def _flagged(db: Database) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).where(Delivery.possible_duplicate))).scalar_one()


async def test_dropped_responses_lose_nothing_and_duplicate_only_those(
    sdb: Database, sadmin: Actor, peer: SmscPeer
) -> None:
    count = scaled(10_000, least=300)
    peer.script.drop_every = 100  # 1% of submit_sm_resp never sent
    message_id = await send_to_phones(sdb, sadmin, count)
    # 5 s, not 2: on a loaded CI machine a response that is only late must not count as dropped.
    async with running_gateway(sdb, peer, response_timeout=5.0, window=20, batch=200):
        await wait_for(lambda: _delivered(sdb, message_id, count), timeout=60 + count / 20, what="all Delivered")
    dropped = len(peer.dropped)
    assert dropped == len(peer.submits) // 100 and dropped >= 3
    assert len(peer.reached()) == count, "lost 0"
    assert peer.duplicates() == dropped, "one duplicate per dropped response, no more"
    repeated = Counter(s.destination_addr for s in peer.submits if s.message_id or s.dropped)
    assert await _flagged(sdb) == sum(n > 1 for n in repeated.values()), "each repeated delivery flagged"


async def test_a_throttling_smsc_settles_the_rate_without_reconnecting(
    sdb: Database, sadmin: Actor, peer: SmscPeer
) -> None:
    count = scaled(4_000, least=200)
    peer.script.throttle_above = 50
    message_id = await send_to_phones(sdb, sadmin, count)
    async with running_gateway(sdb, peer, tps=80, window=20, batch=100) as driver:
        driver.rate.history = []
        await wait_for(lambda: _delivered(sdb, message_id, count), timeout=20 + count / 30, what="all Delivered")
    assert peer.binds == 1, "throttling never makes the driver reconnect"
    assert len(peer.reached()) == count, "lost 0"
    times = driver.rate.history
    settled = times[len(times) // 2 :]  # the second half, after the first cuts
    rate = (len(settled) - 1) / (settled[-1] - settled[0])
    assert rate <= 50 * 1.04, f"{rate:.1f} submit_sm/s after settling; the SMSC takes 50"
    assert driver.rate.rate <= 50, f"the driver allows {driver.rate.rate:.1f}/s at the end"
    assert peer.throttled <= 0.25 * len(peer.submits), f"{peer.throttled} throttled of {len(peer.submits)}"


async def test_a_silent_link_is_detected_rebound_and_loses_nothing(
    sdb: Database, sadmin: Actor, peer: SmscPeer
) -> None:
    enquire = 1.0
    silence = max(3.0, 60 * SCALE)
    count = scaled(2_000, least=150)
    message_id = await send_to_phones(sdb, sadmin, count)
    async with running_gateway(sdb, peer, tps=50, window=10, batch=50, enquire_link_seconds=enquire) as driver:
        link = driver.links[0]
        await wait_for(lambda: _some_sent(peer), what="sending under way")
        peer.proxy.silent.set()
        went_silent = datetime.now(UTC)
        started = time.monotonic()
        await wait_for(lambda: _not_bound(link), timeout=3 * enquire, what="the dead link detected")
        detected = (link.since - went_silent).total_seconds()
        assert detected <= 2 * enquire, f"detected after {detected:.2f}s; enquire_link every {enquire}s"
        await asyncio.sleep(max(0.0, silence - (time.monotonic() - started)))  # the scripted outage itself
        peer.proxy.silent.clear()
        peer.proxy.cut()  # the half-open connections of the silent period go
        await wait_for(lambda: _delivered(sdb, message_id, count), timeout=30 + count / 20, what="all Delivered")
        assert link.binds >= 2 and link.status == "bound"
    assert len(peer.reached()) == count, "lost 0"
    assert peer.duplicates() <= 10, "repeats only within the window that was in flight"


async def _some_sent(peer: SmscPeer) -> bool:
    return len(peer.accepted) >= 20


async def _not_bound(link) -> bool:  # type: ignore[no-untyped-def]
    return link.status != "bound"


async def test_mo_through_crashes_are_stored_and_shown_once(sdb: Database, peer: SmscPeer) -> None:
    """The in-process stand-in for kill -9 (test_smpp_crash.py has the real one, run full size by the bench)."""
    count = scaled(2_000, least=100)
    gateway = await start_gateway(sdb, peer)

    async def restart() -> None:
        nonlocal gateway
        await crash_gateway(*gateway)
        gateway = await start_gateway(sdb, peer)

    await deliver_mo_through_kills(peer, count, 3, restart)
    await crash_gateway(*gateway)
    await check_mo_stored_once(sdb, count)
