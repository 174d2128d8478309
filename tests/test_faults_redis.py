"""Redis killed (-9) and restarted mid-batch: sends go on, browsers catch up from the event log, nothing is lost.

Pass criterion: every send is accepted while Redis is down, every delivery reaches Delivered, and a browser
that stayed connected throughout has seen each message.created exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest

from communicator.db.session import Database
from tests.cluster import PrivateRedis, async_wait
from tests.conftest import LiveServer, make_server
from tests.faults import Browser, count_final, login, recipients, sends

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)

SENDS = sends(60)


@pytest.fixture
def redis_cluster(postgres_url: str) -> Iterator[tuple[LiveServer, PrivateRedis]]:
    """A private Redis, an api server and a `communicator gateway` process using it."""
    redis = PrivateRedis().start()
    prefix = f"fault-{uuid.uuid4().hex[:8]}"
    api = make_server(postgres_url, redis_url=redis.url, channel_prefix=prefix, gateway_enabled=False)
    env = {
        **os.environ,
        "COMMUNICATOR_DATABASE_URL": postgres_url,
        "COMMUNICATOR_REDIS_URL": redis.url,
        "COMMUNICATOR_CHANNEL_PREFIX": prefix,
        "COMMUNICATOR_SIM_DLR_DELAY_MS": "20",
        "COMMUNICATOR_RELAY_INTERVAL_SECONDS": "0.3",  # wake-ups are lost while Redis is down; polling finds them
    }
    gateway = subprocess.Popen([sys.executable, "-m", "communicator.cli", "gateway"], env=env, start_new_session=True)
    try:
        yield api, redis
    finally:
        os.killpg(gateway.pid, signal.SIGTERM)
        try:
            gateway.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(gateway.pid, signal.SIGKILL)
            raise
        api.stop()
        redis.kill()


async def test_redis_killed_and_restarted_mid_batch(redis_cluster: tuple[LiveServer, PrivateRedis]) -> None:
    api, redis = redis_cluster
    cookie = login(api.url)
    browser = Browser(api.url, cookie)
    watching = asyncio.create_task(browser.run())
    await asyncio.wait_for(browser.connected.wait(), 10)
    accepted: list[int] = []
    db = Database(api.settings.database_url)
    try:
        async with httpx.AsyncClient(base_url=api.url, cookies={"communicator_session": cookie}, timeout=30) as client:
            for n, employee in enumerate(recipients(SENDS)):
                if n == SENDS // 3:
                    redis.kill()
                if n == 2 * SENDS // 3:
                    redis.start()
                sent = await client.post(
                    "/api/v1/messages", json={"text": f"№{n}", "recipients": {"employees": [employee]}}
                )
                assert sent.status_code == 201, f"send {n}: {sent.status_code} {sent.text}"
                accepted.append(sent.json()["id"])

        async def all_delivered() -> bool:
            return await count_final(db, accepted) == SENDS

        await async_wait(all_delivered, 120, "every delivery Delivered")  # 60 s ran out once under CI load
        await async_wait(lambda: _seen_all(browser, accepted), 30, "the browser to have every message")
    finally:
        watching.cancel()
        await db.dispose()
    assert len(browser.created) == len(set(browser.created)), "a message.created reached the browser twice"
    assert browser.reconnects >= 1, "the browser was never told to catch up"


async def _seen_all(browser: Browser, accepted: list[int]) -> bool:
    """Whether the browser has had message.created for every accepted send."""
    return set(accepted) <= set(browser.created)
