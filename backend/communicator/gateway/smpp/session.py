"""One bound SMPP transceiver session: the window of outstanding requests, keep-alive, dead-link detection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.pdu import Pdu
from communicator.gateway.smpp.wire import Wire

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


TIMER_SLACK = 0.001  # a timer may fire this early (the loop's clock resolution): its request is due


class Session:
    """A bound transceiver; `closed` is set when it ends, with `error` saying why."""

    def __init__(self, config: BindConfig, on_deliver: RequestHandler) -> None:
        self.config = config
        self.on_deliver = on_deliver
        self.window = asyncio.Semaphore(config.window)
        self.closed = asyncio.Event()
        self.error: str | None = None
        # sequence → (its waiter, loop time it is due by, command_id, timeout), in the order sent
        self._pending: dict[int, tuple[asyncio.Future[Pdu], float, int, float]] = {}
        self._sequence = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._wire: Wire | None = None
        self._timer: asyncio.TimerHandle | None = None  # one timer for the soonest due request, not one per request
        self._loop = asyncio.get_running_loop()

    async def open(self) -> None:
        """Connect and bind as a transceiver; raises on failure."""
        c = self.config
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that lands as the connection opens,
        # and the link then binds and waits for ever inside a gateway that is stopping.
        async with asyncio.timeout(c.connect_timeout):
            _, self._wire = await self._loop.create_connection(lambda: Wire(self._dispatch, self._shut), c.host, c.port)
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
        if self.closed.is_set() or self._wire is None:
            raise LinkDown(self.error or "not connected")
        self._sequence = sequence = self._sequence % 0x7FFFFFFF + 1
        future: asyncio.Future[Pdu] = self._loop.create_future()
        due = self._loop.time() + timeout
        self._pending[sequence] = (future, due, command_id, timeout)
        if self._timer is None or due < self._timer.when():
            self._arm(due)
        self._wire.send(pdu.HEADER.pack(pdu.HEADER.size + len(body), command_id, 0, sequence) + body)
        try:
            return await future
        finally:
            del self._pending[sequence]

    def _arm(self, due: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(due, self._expire_due)

    def _expire_due(self) -> None:
        """Fail the requests whose time is up with ResponseTimeout; wait for the next one due."""
        self._timer = None
        now, soonest = self._loop.time() + TIMER_SLACK, None
        for future, due, command_id, timeout in self._pending.values():
            if future.done():
                continue
            if due <= now:
                future.set_exception(ResponseTimeout(f"no response to 0x{command_id:08X} within {timeout}s"))
            elif soonest is None or due < soonest:
                soonest = due
        if soonest is not None and not self.closed.is_set():
            self._arm(soonest)

    def _spawn(self, work: Awaitable[None]) -> None:
        """Run a task that lives as long as the session."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _dispatch(self, received: Pdu) -> None:
        """Hand a PDU to whoever waits for it or answers it."""
        if self.closed.is_set():
            return
        if received.command_id & pdu.RESPONSE:
            waiting = self._pending.get(received.sequence)
            if waiting is not None and not waiting[0].done():
                waiting[0].set_result(received)
        elif received.command_id == pdu.ENQUIRE_LINK:
            self._send(Pdu(pdu.ENQUIRE_LINK | pdu.RESPONSE, 0, received.sequence))
        elif received.command_id == pdu.UNBIND:
            self._send(Pdu(pdu.UNBIND | pdu.RESPONSE, 0, received.sequence))
            self._shut("the SMSC unbound")
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
        if not self.closed.is_set() and self._wire is not None:
            self._wire.send(pdu.encode(message))

    async def _keepalive_loop(self) -> None:
        """Probe a quiet link with enquire_link; a link silent for 1.5 intervals is dead (detected within 2)."""
        interval = self.config.enquire_link_seconds
        while not self.closed.is_set() and self._wire is not None:
            await asyncio.sleep(interval / 4)
            quiet = self._loop.time() - self._wire.heard
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
        self._shut(reason)

    def abort(self) -> None:
        """Drop the connection without an unbind, as a killed process would."""
        if self._wire is not None:
            self._wire.abort("aborted")

    def _shut(self, reason: str) -> None:
        """End the session once (the first reason is kept); a task calling this is not cancelled by it."""
        if self.closed.is_set():
            return
        self.error = reason
        self.closed.set()
        if self._timer is not None:
            self._timer.cancel()
        for future, *_ in self._pending.values():
            if not future.done():
                future.set_exception(LinkDown(reason))
        if self._wire is not None:
            self._wire.close()
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
