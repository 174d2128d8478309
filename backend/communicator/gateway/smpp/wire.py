"""One SMPP socket as an asyncio Protocol: whole PDUs in, writes gathered into one send per loop turn."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.pdu import Pdu

HEADER = pdu.HEADER
HEADER_SIZE = HEADER.size


class Wire(asyncio.Protocol):
    """Frames what arrives into PDUs for `on_pdu`; `on_lost` hears once why the connection ended."""

    def __init__(self, on_pdu: Callable[[Pdu], None], on_lost: Callable[[str], None]) -> None:
        self.on_pdu = on_pdu
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.heard = 0.0  # loop time of the last bytes received: the keep-alive's measure of a quiet link
        self._rest = b""  # the start of a PDU not yet complete
        self._outgoing: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        self.heard = self._loop.time()

    def data_received(self, data: bytes) -> None:
        """Hand on every complete PDU (a read of many responses costs one call, not two awaits per PDU)."""
        self.heard = self._loop.time()
        if self._rest:
            data, self._rest = self._rest + data, b""
        at, size = 0, len(data)
        while size - at >= HEADER_SIZE:
            length, command_id, status, sequence = HEADER.unpack_from(data, at)
            if not HEADER_SIZE <= length <= pdu.MAX_PDU:
                self.abort(f"connection lost: PduError bad command_length {length}")
                return
            if size - at < length:
                break
            self.on_pdu(Pdu(command_id, status, sequence, data[at + HEADER_SIZE : at + length]))
            at += length
        if at < size:
            self._rest = data[at:]

    def connection_lost(self, exc: Exception | None) -> None:
        reason = f"{type(exc).__name__} {exc}".strip() if exc else "closed by the SMSC"
        self.on_lost(f"connection lost: {reason}")

    def send(self, data: bytes) -> None:
        """Queue bytes for the end of this loop turn: many PDUs leave in one send()."""
        if not self._outgoing:
            self._loop.call_soon(self._flush)
        self._outgoing.append(data)

    def _flush(self) -> None:
        data, self._outgoing = b"".join(self._outgoing), []
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        """Close once what is queued is written."""
        if self.transport is not None:
            if self._outgoing:
                self._flush()
            self.transport.close()

    def abort(self, reason: str) -> None:
        """Drop the connection at once, unsent bytes too (an unreadable stream, or a crash in a test)."""
        self._outgoing.clear()
        if self.transport is not None:
            self.transport.abort()
        self.on_lost(reason)
