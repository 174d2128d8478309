"""A WebSocket client that stops reading costs the server bounded memory: it is closed (4408) and catches up.

The server lets at most ws_max_backlog frames pile up in a socket's transport, and closes a socket past that or
whose client took no frame for ws_send_timeout_seconds; one that does not take the close frame within that time
is dropped. The client then reconnects with its last_event_id and the replay fills the gap, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator

import httpx
import pytest
import websockets
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.asyncio.client import ClientConnection

from communicator.api.ws import FELL_BEHIND
from tests.conftest import API, LiveServer, login, make_server
from tests.helpers import wait_for_sync
from tests.test_ws import account_event_ids

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)

BACKLOG = 20
TEXT = "Авария на подстанции, всем дежурным собраться у щита. " * 18  # ~1 KB of text, ~2 KB of UTF-8
# The server's sockets get a small kernel send buffer: by default the kernel buffers a few MB on loopback before
# the server's sends block, thousands of events that prove nothing more than the first few dozen.
SEND_BUFFER = 8192
MAX_EVENTS = 500
ABNORMAL = 1006  # closed without a close frame


def _queued(server: LiveServer) -> list[int]:
    """How many frames each socket the server still streams to has waiting (empty once it gave up on them)."""
    hub = getattr(server.app.state, "ws_hub", None)
    return [listener.writer.backlog for listener in hub.list_listeners()] if hub else []


def _connected(server: LiveServer) -> int:
    """How many WebSocket connections the server still holds (closed or not)."""
    return sum(isinstance(c, WebSocketsSansIOProtocol) for c in server.server.server_state.connections)


@pytest.fixture(params=[2.0, 600.0], ids=["never-reads", "reads-too-late"])
def server(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[LiveServer]:
    """A server with a small per-socket backlog; the send timeout drops a client that never reads."""
    live = make_server(sqlite_url, SEND_BUFFER, ws_max_backlog=BACKLOG, ws_send_timeout_seconds=request.param)
    yield live
    live.stop()


async def _stalled_socket(server: LiveServer, cookie: dict[str, str], last_event_id: int) -> ClientConnection:
    """A WebSocket whose client reads nothing: a tiny receive buffer, and frames left unread."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", server.port))
    url = server.url.replace("http://", "ws://") + f"/ws?last_event_id={last_event_id}"
    headers = {**cookie, "Origin": server.url}
    # No keepalive pings: a client that reads nothing never sees their pongs and would give up on its own.
    return await websockets.connect(
        url, sock=raw, additional_headers=headers, max_queue=1, compression=None, ping_interval=None
    )


async def _read_all(ws: ClientConnection) -> tuple[list[int], int | None]:
    """Every event id the socket still delivers, and its close code."""
    ids = []
    try:
        async with asyncio.timeout(30):
            async for frame in ws:
                ids.append(json.loads(frame)["id"])
    except websockets.ConnectionClosed:
        pass
    return ids, ws.close_code


async def test_a_client_that_stops_reading_is_closed_and_catches_up(server: LiveServer) -> None:
    never_reads = server.settings.ws_send_timeout_seconds < 10
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        user = await login(http)
        cookie = {"Cookie": f"communicator_session={http.cookies['communicator_session']}"}
        start = (await http.get(f"{API}/threads")).json()["last_event_id"]
        stalled = await _stalled_socket(server, cookie, start)
        sent = 0
        # Publish until the server holds a full backlog for the socket, or has given up on it already.
        while _queued(server) and max(_queued(server)) < BACKLOG:
            await http.post(f"{API}/simulator/inbound", json={"from": "+79161000001", "text": TEXT})
            sent += 1
            assert sent < MAX_EVENTS and max(_queued(server), default=0) <= BACKLOG, sent
        print(f"{sent} events sent before the backlog filled")
        if never_reads:  # the send timeout gives up on it while it still reads nothing
            wait_for_sync(lambda: _connected(server) == 0, what="the server to drop the connection")
        ids, code = await _read_all(stalled)
        # A client that reads again in time gets the close frame; one that never did finds the connection dropped.
        assert code == (ABNORMAL if never_reads else FELL_BEHIND), (code, len(ids), sent)
        wait_for_sync(lambda: _queued(server) == [], what="the closed socket's subscription to end")
        stored = await account_event_ids(server.settings.database_url, user["account_id"], start)
        assert len(stored) >= sent and ids == stored[: len(ids)]  # what it got is a prefix, in order
        # Reconnecting from the last applied id replays the rest: every event arrives, none twice.
        url = server.url.replace("http://", "ws://") + f"/ws?last_event_id={max(ids, default=start)}"
        async with websockets.connect(url, additional_headers=cookie, origin=server.url, proxy=None) as again:
            replayed = [json.loads(await asyncio.wait_for(again.recv(), 10))["id"] for _ in stored[len(ids) :]]
    assert ids + replayed == stored
