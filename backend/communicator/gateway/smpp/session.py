"""One bound SMPP transceiver session: the window of outstanding requests, keep-alive, dead-link detection."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.pdu import Pdu

log = logging.getLogger(__name__)
RequestHandler = Callable[[Pdu], Awaitable[int]]  # returns the command_status to answer with


@dataclass(frozen=True, kw_only=True)
class BindConfig:
    """Where and how one bind connects."""

    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    window: int = 10
    enquire_link_seconds: float = 30.0
    response_timeout: float = 10.0
    connect_timeout: float = 10.0


class LinkDown(ConnectionError):
    """The session ended; an outstanding request's fate at the SMSC is unknown."""


class ResponseTimeout(TimeoutError):
    """No response within the timeout; the SMSC may or may not have acted on the request."""


class BindRefused(ConnectionError):
    """The SMSC answered the bind with an error status."""


def _expire(future: asyncio.Future[Pdu], message: str) -> None:
    """A request's time is up: its waiter gets ResponseTimeout (unless the response just came)."""
    if not future.done():
        future.set_exception(ResponseTimeout(message))


class Session:
    """A bound transceiver; `closed` is set when it ends, with `error` saying why."""

    def __init__(self, config: BindConfig, on_deliver: RequestHandler) -> None:
        self.config = config
        self.on_deliver = on_deliver
        self.window = asyncio.Semaphore(config.window)
        self.closed = asyncio.Event()
        self.error: str | None = None
        self._pending: dict[int, asyncio.Future[Pdu]] = {}
        self._sequence = 0
        self._last_heard = time.monotonic()
        self._tasks: set[asyncio.Task[None]] = set()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._outgoing: list[bytes] = []  # PDUs written together once per loop turn: one send() for many

    async def open(self) -> None:
        """Connect and bind as a transceiver; raises on failure."""
        c = self.config
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands as the connection opens,
        # and the link then binds and waits for ever inside a gateway that is stopping.
        async with asyncio.timeout(c.connect_timeout):
            self._reader, self._writer = await asyncio.open_connection(c.host, c.port)
        self._spawn(self._read_loop())
        body = pdu.bind_transceiver(c.system_id, c.password, c.system_type)
        try:
            response = await self._request(pdu.BIND_TRANSCEIVER, body, c.connect_timeout)
        except (LinkDown, ResponseTimeout):
            await self.close(f"no bind_transceiver_resp from {c.host}:{c.port}")
            raise
        if response.status != pdu.ESME_ROK:
            await self.close(f"bind refused: command_status 0x{response.status:02X}")
            raise BindRefused(self.error)
        self._spawn(self._keepalive_loop())

    async def submit(self, body: bytes, pace: Callable[[], Awaitable[None]]) -> Pdu:
        """Send one submit_sm within the window, paced right before it is written; its resp (or generic_nack)."""
        async with self.window:
            await pace()  # after the window: a slot that frees late must not release a burst of paced submits
            return await self._request(pdu.SUBMIT_SM, body, self.config.response_timeout)

    async def _request(self, command_id: int, body: bytes, timeout: float) -> Pdu:
        """Send a request and wait for its response by sequence number."""
        if self.closed.is_set() or self._writer is None:
            raise LinkDown(self.error or "not connected")
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        sequence = self._sequence
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Pdu] = loop.create_future()
        self._pending[sequence] = future
        # A timer on the future itself: asyncio.wait_for adds a task and callbacks to every request.
        timer = loop.call_later(timeout, _expire, future, f"no response to 0x{command_id:08X} within {timeout}s")
        try:
            self._queue(pdu.encode(Pdu(command_id, 0, sequence, body)))
            return await future
        finally:
            timer.cancel()
            self._pending.pop(sequence, None)

    def _spawn(self, work: Awaitable[None]) -> None:
        """Run a task that lives as long as the session."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_loop(self) -> None:
        """Read PDUs until the connection ends: responses to their waiters, requests to their handlers."""
        assert self._reader is not None
        try:
            while True:
                header = await self._reader.readexactly(pdu.HEADER.size)
                length, command_id, status, sequence = pdu.HEADER.unpack(header)
                if not pdu.HEADER.size <= length <= pdu.MAX_PDU:
                    raise pdu.PduError(f"bad command_length {length}")
                body = await self._reader.readexactly(length - pdu.HEADER.size)
                self._last_heard = time.monotonic()
                self._dispatch(Pdu(command_id, status, sequence, body))
        except (asyncio.IncompleteReadError, ConnectionError, pdu.PduError) as error:
            self._spawn(self.close(f"connection lost: {type(error).__name__} {error}".strip()))

    def _dispatch(self, received: Pdu) -> None:
        """Hand a PDU to whoever waits for it or answers it."""
        if received.command_id & pdu.RESPONSE:
            future = self._pending.get(received.sequence)
            if future is not None and not future.done():
                future.set_result(received)
        elif received.command_id == pdu.ENQUIRE_LINK:
            self._send(Pdu(pdu.ENQUIRE_LINK | pdu.RESPONSE, 0, received.sequence))
        elif received.command_id == pdu.UNBIND:
            self._send(Pdu(pdu.UNBIND | pdu.RESPONSE, 0, received.sequence))
            self._spawn(self.close("the SMSC unbound"))
        elif received.command_id == pdu.DELIVER_SM:
            self._spawn(self._answer_deliver(received))
        else:
            self._send(Pdu(pdu.GENERIC_NACK, 0x03, received.sequence))  # ESME_RINVCMDID

    async def _answer_deliver(self, request: Pdu) -> None:
        """Answer a deliver_sm only after its handler has stored what it carries."""
        try:
            status = await self.on_deliver(request)
        except Exception:
            log.exception("deliver_sm handling failed; asking the SMSC to deliver it again")
            status = pdu.ESME_RX_T_APPN
        # deliver_sm_resp carries an empty message_id.
        self._send(Pdu(pdu.DELIVER_SM | pdu.RESPONSE, status, request.sequence, b"\0"))

    def _send(self, message: Pdu) -> None:
        """Write a PDU if the connection is still up."""
        if not self.closed.is_set():
            self._queue(pdu.encode(message))

    def _queue(self, data: bytes) -> None:
        """Add to what goes out at the end of this loop turn."""
        if not self._outgoing:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outgoing.append(data)

    def _flush(self) -> None:
        """Write the queued PDUs in one go."""
        data, self._outgoing = b"".join(self._outgoing), []
        if self._writer is not None and not self.closed.is_set():
            self._writer.write(data)

    async def _keepalive_loop(self) -> None:
        """Probe a quiet link with enquire_link; a link silent for 1.5 intervals is dead (detected within 2)."""
        interval = self.config.enquire_link_seconds
        while not self.closed.is_set():
            await asyncio.sleep(interval / 4)
            quiet = time.monotonic() - self._last_heard
            if quiet >= 1.5 * interval:
                await self.close(f"link silent for {quiet:.1f}s (enquire_link unanswered)")
                return
            if quiet >= interval / 2:
                self._spawn(self._probe(interval))

    async def _probe(self, timeout: float) -> None:
        """One enquire_link; its response (like any PDU) counts as the link being alive."""
        try:
            await self._request(pdu.ENQUIRE_LINK, b"", timeout)
        except (LinkDown, ResponseTimeout):
            pass

    async def unbind(self) -> None:
        """Unbind politely, then close."""
        if not self.closed.is_set():
            try:
                await self._request(pdu.UNBIND, b"", min(self.config.response_timeout, 2.0))
            except (LinkDown, ResponseTimeout):
                pass
        await self.close("unbound")

    async def close(self, reason: str) -> None:
        """End the session: fail every outstanding request, close the socket, stop the tasks."""
        if self.closed.is_set():
            return
        self.error = reason
        self.closed.set()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(LinkDown(reason))
        if self._writer is not None:
            self._writer.close()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
