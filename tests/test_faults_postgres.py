"""PostgreSQL restarted mid-batch: the api and gateway processes reconnect by themselves, nothing accepted is lost.

Pass criterion: sends answered 201 before and after the restart all reach Delivered; sends made while the
database was down are refused (never half-accepted); after the restart new sends are accepted again without
restarting any process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest

from communicator.db.migrate import upgrade
from communicator.db.session import Database
from tests.cluster import PrivatePostgres, async_wait
from tests.conftest import LiveServer, make_server
from tests.faults import count_final, login, recipients, sends

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)

SENDS = sends(60)


@pytest.fixture
def pg_cluster() -> Iterator[tuple[LiveServer, PrivatePostgres]]:
    """A private PostgreSQL, an api server and a `communicator gateway` process on it (Redis: the machine's)."""
    postgres = PrivatePostgres().init()
    upgrade(postgres.url)
    prefix = f"fault-{uuid.uuid4().hex[:8]}"
    redis_url = "redis://127.0.0.1:6379/0"
    api = make_server(postgres.url, redis_url=redis_url, channel_prefix=prefix, gateway_enabled=False)
    env = {
        **os.environ,
        "COMMUNICATOR_DATABASE_URL": postgres.url,
        "COMMUNICATOR_REDIS_URL": redis_url,
        "COMMUNICATOR_CHANNEL_PREFIX": prefix,
        "COMMUNICATOR_SIM_DLR_DELAY_MS": "20",
        "COMMUNICATOR_RELAY_INTERVAL_SECONDS": "0.3",
    }
    gateway = subprocess.Popen([sys.executable, "-m", "communicator.cli", "gateway"], env=env, start_new_session=True)
    try:
        yield api, postgres
    finally:
        os.killpg(gateway.pid, signal.SIGTERM)
        gateway.wait(20)
        api.stop()
        postgres.remove()


async def _send(client: httpx.AsyncClient, n: int, employee: int) -> int | None:
    """One send; its message id when accepted, None when refused (the database was down)."""
    try:
        sent = await client.post("/api/v1/messages", json={"text": f"№{n}", "recipients": {"employees": [employee]}})
    except httpx.HTTPError:
        return None
    assert sent.status_code in (201, 500, 503), f"send {n}: {sent.status_code} {sent.text}"
    return sent.json()["id"] if sent.status_code == 201 else None


async def test_postgres_restarted_mid_batch(pg_cluster: tuple[LiveServer, PrivatePostgres]) -> None:
    api, postgres = pg_cluster
    cookie = login(api.url)
    accepted: list[int] = []
    refused = 0
    async with httpx.AsyncClient(base_url=api.url, cookies={"communicator_session": cookie}, timeout=30) as client:
        for n, employee in enumerate(recipients(SENDS)):
            if n == SENDS // 2:
                postgres.stop("fast")  # every connection of every process is cut
                refused += sum([await _send(client, n, employee) is None for _ in range(3)])
                postgres.start()
            message_id = await _send(client, n, employee)
            if message_id is None:  # the first use of a dead pooled connection may fail once; retry like a client
                message_id = await async_wait(
                    lambda n=n, e=employee: _send(client, n, e), 20, f"send {n} accepted again"
                )
            accepted.append(message_id)  # type: ignore[arg-type]
    assert refused == 3, "a send was accepted while the database was down"
    db = Database(postgres.url)
    try:

        async def all_delivered() -> bool:
            return await count_final(db, accepted) == SENDS

        await async_wait(all_delivered, 60, "every accepted delivery Delivered after the restart")
    finally:
        await db.dispose()
    assert len(set(accepted)) == SENDS
