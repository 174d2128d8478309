"""A scriptable SMSC for the SMPP driver's tests and benchmarks: smpp34's Server behind a small TCP proxy.

The Server answers binds, enquire_link and submit_sm; this script decides each submit_sm_resp (accept after a
delay, throttle above a rate, drop it, reject it), sends receipts and MO through deliver_sm, and unbinds. The
proxy in front lets a test make the link go silent (nothing passes either way) or cut every connection.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import struct
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import smpp34

from tests.conftest import free_port


@dataclass
class Submit:
    """One submit_sm the SMSC received."""

    session_id: str
    source_addr: str
    source_ton: int
    destination_addr: str
    esm_class: int
    data_coding: int
    short_message: bytes
    at: float
    message_id: str | None = None  # set when accepted
    dropped: bool = False  # accepted as far as the phone knows, but the ESME never got the resp


@dataclass
class Script:
    """How the SMSC behaves; tests change it while it runs."""

    delay: float = 0.0  # seconds before each submit_sm_resp
    drop_every: int = 0  # keep every n-th submit_sm_resp to ourselves (0: never)
    throttle_above: float = 0.0  # answer ESME_RTHROTTLED beyond this many submits per second (0: never)
    reject: dict[str, int] = field(default_factory=dict)  # destination → command_status
    receipts: str | None = None  # send a receipt after each accept with this stat (DELIVRD, UNDELIV...)
    receipt_id_form: str = "same"  # "same", or "decimal" when ids are hex: the receipt names the id in the other base
    ids: str = "hex"  # message ids as "hex" or "decimal"
    receipt_first: bool = False  # send the receipt before the submit_sm_resp (then answer after `delay`)


class Proxy:
    """A TCP relay that can go silent (hold every byte) or cut its connections."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.silent = asyncio.Event()
        self.connections = 0
        self.captured: bytearray | None = None  # what the ESME wrote, when a test sets it to bytearray()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        self.cut()
        if self._server:
            self._server.close()

    def cut(self) -> None:
        """Close every relayed connection (both sides)."""
        for writer in list(self._writers):
            writer.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, up_writer}
        await asyncio.gather(self._pipe(client_reader, up_writer, capture=True), self._pipe(up_reader, client_writer))
        self._writers -= {client_writer, up_writer}

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, capture: bool = False) -> None:
        try:
            while data := await reader.read(65536):
                if self.silent.is_set():
                    continue  # a silent link swallows everything
                if capture and self.captured is not None:
                    self.captured += data
                writer.write(data)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


class SmscPeer:
    """smpp34's Server on loopback, scripted; `port` is the proxy's (what the driver connects to)."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.server_port = free_port()
        self.server = smpp34.Server("127.0.0.1", self.server_port, system_id="TESTSMSC")
        self.proxy = Proxy(self.server_port)
        self.sessions: dict[str, smpp34.Esme] = {}
        self.submits: list[Submit] = []
        self.accepted: dict[str, Submit] = {}
        self.dropped: list[smpp34.SubmitSmEvent] = []  # held forever: no answer ever goes out
        self.throttled = 0
        self.outstanding = 0  # submit_sm not answered yet
        self.max_outstanding = 0
        self.binds = 0
        self.unbinds = 0
        self._ids = itertools.count(random.randrange(10**6, 10**7))
        self._second = (0, 0)  # (which second, submits seen in it) for throttling
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return self.proxy.port

    async def start(self) -> SmscPeer:
        await self.server.start()
        await self.proxy.start()
        self._loop = asyncio.create_task(self._serve())
        return self

    async def stop(self) -> None:
        if self._loop:
            self._loop.cancel()
        for task in list(self._tasks):
            task.cancel()
        await self.proxy.stop()
        await self.server.stop()

    def _spawn(self, work) -> None:  # type: ignore[no-untyped-def]
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self) -> None:
        while True:
            event = await self.server.next()
            if isinstance(event, smpp34.Esme):
                self.sessions[event.session_id] = event
                self.binds += 1
            elif isinstance(event, smpp34.Unbound):
                self.sessions.pop(event.session_id, None)
                self.unbinds += 1
            else:
                self._on_submit(event)

    def _on_submit(self, event: smpp34.SubmitSmEvent) -> None:
        """Record a submit_sm and answer it as the script says."""
        submit = Submit(
            session_id=event.session_id,
            source_addr=event.source_addr,
            source_ton=event.source_addr_ton,
            destination_addr=event.destination_addr,
            esm_class=event.esm_class,
            data_coding=event.data_coding,
            short_message=bytes(event.short_message),
            at=time.monotonic(),
        )
        self.submits.append(submit)
        script = self.script
        self.outstanding += 1
        self.max_outstanding = max(self.max_outstanding, self.outstanding)
        if script.receipt_first:
            self._spawn(self._receipt_then_accept(event, submit))
            return
        self._decide(event, submit)

    async def _receipt_then_accept(self, event: smpp34.SubmitSmEvent, submit: Submit) -> None:
        """The receipt overtakes the submit_sm_resp, as it can on a real SMSC (which does not wait for its answer)."""
        number = next(self._ids)
        message_id = f"{number:X}" if self.script.ids == "hex" else str(number)
        self._spawn(self.send_receipt(submit, message_id, self.script.receipts or "DELIVRD"))
        await asyncio.sleep(self.script.delay)
        self._accept(event, submit, number)

    def _decide(self, event: smpp34.SubmitSmEvent, submit: Submit) -> None:
        """Throttle, reject, drop, or accept (now or after the delay)."""
        script = self.script
        if self._over_rate(submit.at):
            self.throttled += 1
            self._reject(event, smpp34.ESME_RTHROTTLED)
        elif submit.destination_addr in script.reject:
            self._reject(event, script.reject[submit.destination_addr])
        elif script.drop_every and len(self.submits) % script.drop_every == 0:
            submit.dropped = True
            self.dropped.append(event)
        elif script.delay:
            asyncio.get_running_loop().call_later(script.delay, self._accept, event, submit)
        else:
            self._accept(event, submit)

    def _over_rate(self, now: float) -> bool:
        """Whether this submit goes past the throttling rate in the current second."""
        if not self.script.throttle_above:
            return False
        second, seen = self._second
        if int(now) != second:
            second, seen = int(now), 0
        self._second = (second, seen + 1)
        return seen + 1 > self.script.throttle_above

    def _reject(self, event: smpp34.SubmitSmEvent, status: int) -> None:
        self.outstanding -= 1
        event.reject(status)

    def _accept(self, event: smpp34.SubmitSmEvent, submit: Submit, number: int | None = None) -> None:
        self.outstanding -= 1
        receipt_sent = number is not None
        number = next(self._ids) if number is None else number
        message_id = f"{number:X}" if self.script.ids == "hex" else str(number)
        try:
            event.accept(message_id)
        except smpp34.SmppError:  # the session is gone: the ESME never hears of this accept
            return
        submit.message_id = message_id
        self.accepted[message_id] = submit
        if self.script.receipts and not receipt_sent:
            named = str(number) if self.script.receipt_id_form == "decimal" else message_id
            self._spawn(self.send_receipt(submit, named, self.script.receipts))

    async def send_receipt(self, submit: Submit, message_id: str, stat: str) -> smpp34.DeliverSmResp | None:
        """A receipt for an accepted submit (Appendix B text), delivered again on a later session until answered."""
        text = (
            f"id:{message_id} sub:001 dlvrd:001 submit date:2611300000 done date:2611300000 stat:{stat} err:000 text:"
        )
        return await self._deliver(
            source_addr=submit.destination_addr,
            destination_addr=submit.source_addr,
            esm_class=0x04,
            short_message=text.encode(),
        )

    async def _deliver(self, **fields: object) -> smpp34.DeliverSmResp | None:
        """deliver_sm as a store-and-forward SMSC does it: again (on whatever session is bound) until answered."""
        deadline = time.monotonic() + 300  # longer than any scripted outage (a full-size silence is 60 s)
        while time.monotonic() < deadline:
            esme = next(reversed(self.sessions.values()), None)  # the newest session
            if esme is None:
                await asyncio.sleep(0.05)
                continue
            try:
                response = await asyncio.wait_for(esme.deliver_sm(**fields), 2)  # type: ignore[arg-type]
            except TimeoutError:  # a slow ESME (a loaded machine) is still bound: ask again on the same session
                continue
            except (smpp34.SmppError, RuntimeError):
                self.sessions.pop(esme.session_id, None)  # a session that fails a deliver_sm is gone
                await asyncio.sleep(0.05)
                continue
            if response.is_success:
                return response
            await asyncio.sleep(0.05)
        return None

    async def send_mo(
        self,
        source: str,
        destination: str,
        short_message: bytes,
        *,
        esm_class: int = 0,
        data_coding: int = 0,
        tlvs: list[smpp34.Tlv] | None = None,
    ) -> smpp34.DeliverSmResp:
        """An MO through the first bound session."""
        esme = await self.wait_for(lambda: next(iter(self.sessions.values()), None), 10, "a bound ESME")
        return await esme.deliver_sm(
            source_addr=source,
            source_addr_ton=1,
            source_addr_npi=1,
            destination_addr=destination,
            esm_class=esm_class,
            data_coding=data_coding,
            short_message=short_message,
            tlvs=tlvs or [],
        )

    async def deliver_mo(self, source: str, destination: str, short_message: bytes) -> bool:
        """An MO delivered as a store-and-forward SMSC does: again until the ESME answers it with success."""
        response = await self._deliver(
            source_addr=source,
            source_addr_ton=1,
            source_addr_npi=1,
            destination_addr=destination,
            short_message=short_message,
        )
        return response is not None

    def captured_submits(self) -> list[smpp34.SubmitSm]:
        """The submit_sm PDUs the ESME wrote since `proxy.captured` was set, decoded by smpp34 (every field)."""
        data, found = bytes(self.proxy.captured or b""), []
        while len(data) >= 16:
            length, command_id = struct.unpack(">II", data[:8])
            if command_id == 0x04:
                found.append(smpp34.decode(data[:length]))
            data = data[length:]
        return [pdu for pdu in found if isinstance(pdu, smpp34.SubmitSm)]

    def reached(self) -> set[str]:
        """The destinations the SMSC took a message for."""
        return {s.destination_addr for s in self.submits if s.message_id or s.dropped}

    async def unbind_all(self) -> None:
        """The SMSC ends every session with an unbind."""
        for esme in list(self.sessions.values()):
            await esme.unbind()

    def duplicates(self) -> int:
        """Submits beyond the first per (destination, text)."""
        counts = Counter((s.destination_addr, s.short_message) for s in self.submits if s.message_id or s.dropped)
        return sum(n - 1 for n in counts.values())

    @staticmethod
    async def wait_for(check: Callable[[], object], timeout: float, what: str):  # type: ignore[no-untyped-def]
        """Poll until `check` returns something truthy; fail naming `what` after the timeout."""
        deadline = time.monotonic() + timeout
        while not (result := check()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.01)
        return result


async def _serve_forever(delay: float) -> None:
    """Run a peer as its own process (benchmarks): print the Server's own port (no proxy), serve until killed."""
    peer = await SmscPeer(Script(delay=delay)).start()
    print(peer.server_port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    import uvloop

    # Each Server.next() completes from a tokio thread through call_soon_threadsafe: uvloop folds the wake-ups of
    # a busy loop into one, where asyncio writes to its self-pipe for every one. (The benchmark also gives smpp34
    # a single tokio worker, SMPP34_WORKER_THREADS=1, so two workers do not fight this loop for the GIL.)
    uvloop.run(_serve_forever(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0))
