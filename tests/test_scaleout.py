"""Scale-out: two api processes and a gateway process share PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
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

from tests.cluster import Native, async_wait, loopback_env, wait_until
from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, make_server, seed

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)


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
        "COMMUNICATOR_HOST": "127.0.0.1",
        "COMMUNICATOR_GATEWAY_HTTP_PORT": str(probe_port := free_port()),
    }
    gateway = subprocess.Popen([sys.executable, "-m", "communicator.cli", "gateway"], env=env, start_new_session=True)
    # Ready means subscribed to the wake-ups: a send made before that would wait for the 60 s poll.
    wait_until(
        lambda: httpx.get(f"http://127.0.0.1:{probe_port}/health/ready", timeout=2).status_code == 200,
        60,
        "the gateway process ready",
    )
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


# --- compose.yaml's commands, run natively -------------------------------------------------------------------


@pytest.fixture
def native_cluster(postgres_url: str) -> Iterator[dict[str, Native]]:
    """compose.yaml's migrate, api-1, api-2, gateway-1 and gateway-2, as local processes on PostgreSQL and Redis."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    ports = {name: free_port() for name in ("api-1", "api-2", "gateway-1", "gateway-2")}
    origins = [f"http://127.0.0.1:{ports['api-1']}", f"http://127.0.0.1:{ports['api-2']}"]
    env = loopback_env(postgres_url, "redis://127.0.0.1:6379/0", prefix, origins)
    Native("migrate", env).run()
    asyncio.run(seed(postgres_url))
    processes = {name: Native(name, env, port).start() for name, port in ports.items()}
    try:
        for process in processes.values():
            process.wait_ready()
        yield processes
    finally:
        for process in processes.values():
            process.stop()


async def test_compose_commands_run_natively(native_cluster: dict[str, Native]) -> None:
    api_1, api_2 = native_cluster["api-1"], native_cluster["api-2"]
    cookie = _login(api_1)
    headers = {"Cookie": f"communicator_session={cookie}"}
    async with websockets.connect(
        f"ws://127.0.0.1:{api_2.port}/ws", additional_headers=headers, origin=api_2.url
    ) as socket:
        async with httpx.AsyncClient(base_url=api_1.url, cookies={"communicator_session": cookie}) as client:
            sent = await client.post("/api/v1/messages", json={"text": "сбор", "recipients": {"groups": [1]}})
            assert sent.status_code == 201, sent.text
            message_id, total = sent.json()["id"], sent.json()["summary"]["total"]
            await _next_event(
                socket,
                lambda e: e["type"] == "delivery.updated" and e["message_id"] == message_id
                and e["summary"]["counts"].get("Delivered") == total,
            )  # fmt: skip
            # Both gateways report their links; the api processes read them from the database.
            links = await async_wait(lambda: _two_bound(client), 15, "both gateways' links")
    assert len({link["process"] for link in links}) == 2
    submitted = sum(
        _metric(native_cluster[g], 'communicator_submits_total{result="accepted"}') for g in ("gateway-1", "gateway-2")
    )
    assert submitted == total
    assert "communicator_websocket_clients" in httpx.get(f"{api_2.url}/metrics").text
    native_cluster["gateway-1"].stop()  # a clean stop marks its link down at once
    async with httpx.AsyncClient(base_url=api_2.url, cookies={"communicator_session": cookie}) as client:
        status = (await client.get("/api/v1/gateway")).json()
    assert sorted(link["status"] for link in status["links"]) == ["bound", "down"]


async def _two_bound(client: httpx.AsyncClient) -> list[dict] | None:
    """The gateway page's links once two processes report a bound link."""
    links = (await client.get("/api/v1/gateway")).json()["links"]
    return links if sum(link["status"] == "bound" for link in links) == 2 else None


def _metric(process: Native, line_start: str) -> float:
    """One sample of a process's /metrics (0 when absent)."""
    for line in httpx.get(f"{process.url}/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    return 0.0
