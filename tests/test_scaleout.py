"""Scale-out: two api processes and a gateway process share PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
import websockets

from tests.conftest import DEMO_PASSWORD, LiveServer, make_server


@pytest.fixture
def cluster(postgres_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two api servers (no gateway) and one `communicator gateway` process."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    common = {"redis_url": "redis://127.0.0.1:6379/0", "channel_prefix": prefix, "gateway_enabled": False}
    first = make_server(postgres_url, **common)
    second = LiveServer(first.settings).start()
    env = {
        **os.environ,
        "COMMUNICATOR_DATABASE_URL": postgres_url,
        "COMMUNICATOR_REDIS_URL": common["redis_url"],
        "COMMUNICATOR_CHANNEL_PREFIX": prefix,
        "COMMUNICATOR_SIM_DLR_DELAY_MS": "20",
        # Polling this rarely means only the Redis wake-up can make a send quick.
        "COMMUNICATOR_RELAY_INTERVAL_SECONDS": "60",
    }
    gateway = subprocess.Popen([sys.executable, "-m", "communicator.cli", "gateway"], env=env, start_new_session=True)
    yield first, second
    os.killpg(gateway.pid, signal.SIGTERM)
    gateway.wait(10)
    second.stop()
    first.stop()


def _login(server: LiveServer) -> str:
    """The session cookie of the demo admin."""
    response = httpx.post(f"{server.url}/api/v1/auth/login", json={"login": "admin", "password": DEMO_PASSWORD})
    response.raise_for_status()
    return response.cookies["communicator_session"]


async def _next_event(socket: websockets.ClientConnection, wanted: callable, timeout: float = 15) -> dict:
    """The first frame for which `wanted` is true."""
    async with __import__("asyncio").timeout(timeout):
        while True:
            event = json.loads(await socket.recv())
            if wanted(event):
                return event


async def test_events_cross_api_processes_and_gateway_process(cluster: tuple[LiveServer, LiveServer]) -> None:
    first, second = cluster
    cookie = _login(first)
    headers = {"Cookie": f"communicator_session={cookie}"}
    ws_url = f"ws://127.0.0.1:{first.port}/ws"
    async with websockets.connect(ws_url, additional_headers=headers, origin=first.url) as socket:
        async with httpx.AsyncClient(base_url=second.url, cookies={"communicator_session": cookie}) as client:
            inbound = await client.post("/api/v1/simulator/inbound", json={"from": "+79161000005", "text": "на месте"})
            assert inbound.status_code == 201, inbound.text
            event = await _next_event(socket, lambda e: e["type"] == "message.created")
            assert event["message"]["text"] == "на месте"
            sent = await client.post("/api/v1/messages", json={"text": "выезд", "recipients": {"employees": [5]}})
            assert sent.status_code == 201, sent.text
            message_id = sent.json()["id"]
            done = await _next_event(
                socket,
                lambda e: (
                    e["type"] == "delivery.updated"
                    and e["message_id"] == message_id
                    and e["summary"]["counts"].get("Delivered") == 1
                ),
            )
    assert done["deliveries"][0]["phone"] == "+79161000005"
