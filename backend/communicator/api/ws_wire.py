"""Writing one event's frame to many WebSockets without a send per socket through the ASGI stack. See docs/events.md.

With no compression, or permessage-deflate without context takeover (what `wsdeflate` negotiates), a message's
wire bytes are the same for every socket: they are built once per format and written straight to each socket's
transport. A socket whose bytes depend on its own compressor goes through its websockets state machine, still
without a task hop. Under an ASGI server other than uvicorn's sans-io protocol, frames queue for the socket's
own `send_data`.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Hashable, Sequence

from litestar import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from communicator.wsdeflate import PROTOCOL_KEY


def get_wire_format(extensions: Sequence[Extension]) -> Hashable | None:
    """A key equal for sockets that put one message on the wire as equal bytes; None when it depends on the socket."""
    if not extensions:
        return "plain"
    deflate = extensions[0]
    if len(extensions) == 1 and isinstance(deflate, PerMessageDeflate) and deflate.local_no_context_takeover:
        return ("deflate", deflate.local_max_window_bits, tuple(sorted(deflate.compress_settings.items())))
    return None


class WireFrame:
    """One frame's text and its wire bytes per format, each built on first use."""

    __slots__ = ("_wires", "text")

    def __init__(self, text: bytes) -> None:
        self.text = text
        self._wires: dict[Hashable, bytes] = {}

    def get_wire(self, wire_format: Hashable, extensions: Sequence[Extension]) -> bytes:
        """The whole server frame (unmasked) as sockets of this format send it."""
        wire = self._wires.get(wire_format)
        if wire is None:
            frame = Frame(Opcode.TEXT, self.text)
            wire = self._wires[wire_format] = frame.serialize(mask=False, extensions=extensions)
        return wire


@functools.lru_cache(maxsize=64)
def get_wire_frame(text: bytes) -> WireFrame:
    """The shared WireFrame of a recent frame text (a class's frame is one bytes object for all its sockets)."""
    return WireFrame(text)


class TransportWriter:
    """Writes frames straight to a uvicorn sans-io WebSocket's transport, and tells when its client fell behind."""

    __slots__ = ("backlog", "max_backlog", "paused_since", "protocol", "timeout", "wire_format")

    def __init__(self, protocol: WebSocketsSansIOProtocol, max_backlog: int, timeout: float) -> None:
        self.protocol = protocol
        self.wire_format = get_wire_format(protocol.conn.extensions)
        self.max_backlog = max_backlog
        self.timeout = timeout
        self.backlog = 0  # frames written in a row while the transport still held unsent bytes
        self.paused_since: float | None = None

    def write(self, frame: WireFrame) -> bool:
        """Write the frame; False when the client is too far behind (more than max_backlog, or stalled too long)."""
        protocol = self.protocol
        transport = protocol.transport
        if protocol.close_sent or transport.is_closing():
            return True  # it is closing already; its handler finishes the job
        if transport.get_write_buffer_size():  # earlier frames still wait: the client is not keeping up
            self.backlog += 1
        else:
            self.backlog = 0
            self.paused_since = None
        if self.wire_format is None:  # its own compressor: through its state machine
            if protocol.conn.state is not State.OPEN:
                return True
            protocol.conn.send_text(frame.text)
            transport.write(b"".join(protocol.conn.data_to_send()))
        else:
            transport.write(frame.get_wire(self.wire_format, protocol.conn.extensions))
        return not self.backlog or (self.backlog < self.max_backlog and not self._stalled())

    def _stalled(self) -> bool:
        """Whether the transport has been over its high-water mark for longer than the send timeout."""
        if self.protocol.writable.is_set():
            self.paused_since = None
            return False
        now = time.monotonic()
        if self.paused_since is None:
            self.paused_since = now
        return now - self.paused_since > self.timeout

    def abort_later(self, delay: float) -> None:
        """Drop the connection after `delay` unless it has closed by then (a client that never reads never will)."""
        protocol = self.protocol
        protocol.loop.call_later(delay, lambda: None if protocol.disconnected else protocol.transport.abort())


class QueuedWriter:
    """For other ASGI servers: frames wait in a bounded queue that one task sends through `send_data` in order."""

    def __init__(self, socket: WebSocket, max_backlog: int) -> None:
        self.socket = socket
        self.max_backlog = max_backlog
        self.queue: deque[bytes] = deque()
        self.task: asyncio.Task[None] | None = None

    @property
    def backlog(self) -> int:
        """Frames waiting to be sent."""
        return len(self.queue)

    def write(self, frame: WireFrame) -> bool:
        """Queue the frame; False when the queue is full (the client is too far behind)."""
        if len(self.queue) >= self.max_backlog:
            return False
        self.queue.append(frame.text)
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._send_queued())
        return True

    async def _send_queued(self) -> None:
        """Send until the queue is empty; a failed send drops the rest (the socket's handler is ending)."""
        try:
            while self.queue:
                await self.socket.send_data(self.queue[0])
                self.queue.popleft()
        except Exception:  # noqa: BLE001 - the client went away: nothing left to send to
            self.queue.clear()
        finally:
            self.task = None

    def abort_later(self, delay: float) -> None:
        """Nothing to drop: the ASGI server closes the connection when the handler returns."""


SocketWriter = TransportWriter | QueuedWriter


def make_writer(socket: WebSocket, max_backlog: int, timeout: float) -> SocketWriter:
    """The fastest writer the ASGI server allows for this socket."""
    protocol = (socket.scope.get("extensions") or {}).get(PROTOCOL_KEY)
    if isinstance(protocol, WebSocketsSansIOProtocol):
        return TransportWriter(protocol, max_backlog, timeout)
    return QueuedWriter(socket, max_backlog)
