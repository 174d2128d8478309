"""A WebSocket client that costs the bench process almost nothing per frame, so 1,000 of them measure the server.

The `websockets` client decompresses, decodes and queues every frame for a reader task as it arrives: with
1,000 connections on this 2-core machine that work alone took a core, and the latency it measured was mostly
the bench's own. Here `data_received` only stamps each whole frame's payload with its arrival time (and answers
pings, as a browser does); decompression and JSON wait until the run is over. It offers permessage-deflate as a
browser does, and the server's `server_no_context_takeover` (docs/operations.md) lets each message inflate alone.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
import zlib
from collections.abc import Sequence

_EXTENSIONS = "permessage-deflate; client_max_window_bits"
_MASK = b"\x00\x00\x00\x00"  # clients must mask; an all-zero key leaves the payload as it is


class LeanSocket(asyncio.Protocol):
    """One connection: the handshake, then whole frames as (arrival time, compressed?, payload)."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.frames: list[tuple[float, bool, bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Send the upgrade request."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        """Finish the handshake, then cut whole frames off the buffer."""
        self.buffer += data
        if not self.opened.done():
            head, found, self.buffer = self.buffer.partition(b"\r\n\r\n")
            if not found:
                self.buffer = head
                return
            self._check_handshake(head)
        self._take_frames(time.perf_counter())

    def _check_handshake(self, head: bytes) -> None:
        """The server must switch protocols and agree to deflate without context takeover."""
        lines = head.decode("latin-1").lower().split("\r\n")
        if not lines[0].startswith("http/1.1 101"):
            self.opened.set_exception(ConnectionError(f"handshake refused: {lines[0]}"))
        elif not any(
            line.startswith("sec-websocket-extensions") and "server_no_context_takeover" in line for line in lines
        ):
            self.opened.set_exception(ConnectionError("the server did not agree to server_no_context_takeover"))
        else:
            self.opened.set_result(None)

    def _take_frames(self, now: float) -> None:
        """Record each whole frame in the buffer; answer pings."""
        buffer = self.buffer
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            if len(buffer) < start + length:
                break
            payload, buffer = buffer[start : start + length], buffer[start + length :]
            opcode = first & 0x0F
            if opcode == 0x9:
                self._send(0xA, payload)
            elif opcode in (0x1, 0x2):
                self.frames.append((now, bool(first & 0x40), payload))
        self.buffer = buffer

    def _send(self, opcode: int, payload: bytes) -> None:
        """A masked control frame (payloads here are under 126 bytes)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload))) + _MASK + payload)

    def close(self) -> None:
        """Send a normal close and drop the connection."""
        self._send(0x8, struct.pack("!H", 1000))
        if self.transport is not None:
            self.transport.close()

    def texts(self) -> list[tuple[float, bytes]]:
        """The frames received, inflated where compressed, with their arrival times."""
        out = []
        for at, compressed, payload in self.frames:
            if compressed:
                payload = zlib.decompressobj(wbits=-15).decompress(payload + b"\x00\x00\xff\xff")
            out.append((at, payload))
        return out


def _upgrade_request(host: str, origin: str, cookie: str) -> bytes:
    """The HTTP/1.1 upgrade request a browser sends for /ws."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n"
        f"Sec-WebSocket-Extensions: {_EXTENSIONS}\r\nCookie: communicator_session={cookie}\r\n\r\n"
    ).encode()


async def open_lean_sockets(host: str, origin: str, cookie: str, count: int, concurrency: int = 50) -> list[LeanSocket]:
    """`count` authenticated connections to /ws, opened `concurrency` at a time."""
    address, port = host.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)

    async def one() -> LeanSocket:
        async with gate:
            _, socket = await loop.create_connection(
                lambda: LeanSocket(_upgrade_request(host, origin, cookie)), address, int(port)
            )
            await asyncio.wait_for(socket.opened, 60)
            return socket

    return list(await asyncio.gather(*(one() for _ in range(count))))


def close_lean_sockets(sockets: Sequence[LeanSocket]) -> None:
    """Close every connection."""
    for socket in sockets:
        socket.close()
