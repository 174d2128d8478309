"""The SMPP 3.4 driver: binds kept up, submits paced and windowed, receipts and MO into the services.

The protocol layer is our own (communicator.gateway.smpp); docs/gateway.md says why.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from communicator.db.session import Database
from communicator.gateway.drivers import LinkState
from communicator.gateway.drivers.statuses import get_submit_status_class
from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.inbound import Inbound
from communicator.gateway.smpp.link import Link
from communicator.gateway.smpp.rate import AdaptiveRate
from communicator.gateway.smpp.session import BindConfig, LinkDown, ResponseTimeout, Session
from communicator.gateway.smpp.text import Part, split_text
from communicator.queue import Claimed
from communicator.services.messaging.delivery import SubmitResult

log = logging.getLogger(__name__)
TON_INTERNATIONAL, TON_NETWORK, TON_ALPHANUMERIC = 1, 3, 5
MAX_THROTTLED = 50  # throttle answers one part may get before the worker requeues it


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    """What became of one part."""

    smsc_id: str | None = None
    error: str | None = None
    retryable: bool = False
    duplicate: bool = False  # an earlier try may have reached the SMSC (no response, or the link fell)


def source_address(sender: str) -> tuple[str, int, int]:
    """(source_addr, TON, NPI): a short number, an international number, or an alphanumeric name (TON 5)."""
    digits = sender.lstrip("+")
    if digits.isdigit():
        return (digits, TON_INTERNATIONAL, 1) if len(digits) > 8 else (digits, TON_NETWORK, 0)
    return sender, TON_ALPHANUMERIC, 0


def relative_validity(minutes: int) -> str:
    """An SMPP relative validity period (YYMMDDhhmmss000R) for a number of minutes."""
    days, rest = divmod(minutes, 24 * 60)
    return f"0000{days:02d}{rest // 60:02d}{rest % 60:02d}00000R"


class SmppDriver:
    """A Driver over one or more SMPP transceiver binds."""

    paces_itself = True  # every submit_sm waits for the adaptive rate; the worker need not pace claims finely
    needs_bound_link = True  # links rebind by themselves: the worker claims nothing while none is bound

    def __init__(
        self,
        db: Database,
        binds: Sequence[BindConfig],
        *,
        tps: float,
        source_addr: str = "4938",
        retries: int = 3,
        bind_wait_seconds: float = 5.0,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.tps = tps
        self.source_addr = source_addr
        self.retries = retries
        self.bind_wait_seconds = bind_wait_seconds
        self.rng = rng or random.Random()
        self.rate = AdaptiveRate(tps)
        self.inbound = Inbound(db)
        self.links = [
            Link(
                f"smpp:{b.system_id}@{b.host}:{b.port}#{n}", b, self.inbound.handle, tps=tps / len(binds), rng=self.rng
            )
            for n, b in enumerate(binds, start=1)
        ]
        self._references = itertools.count(self.rng.randrange(256))
        self._turn = itertools.count()

    async def start(self) -> None:
        """Start binding (in the background: a down SMSC must not keep the gateway from starting)."""
        self.inbound.start()
        for link in self.links:
            link.start()

    async def stop(self) -> None:
        """Unbind every link."""
        await asyncio.gather(*(link.stop() for link in self.links))
        await self.inbound.stop()

    def link_states(self) -> list[LinkState]:
        """Each bind's state."""
        return [link.state() for link in self.links]

    async def submit(self, batch: Sequence[Claimed]) -> list[SubmitResult]:
        """Submit every delivery of the batch concurrently (the windows bound how many are outstanding)."""
        return list(await asyncio.gather(*(self._submit_one(c) for c in batch)))

    async def _submit_one(self, claimed: Claimed) -> SubmitResult:
        """All parts of one delivery; its SMSC id is the first part's."""
        parts = split_text(claimed.text, next(self._references) % 256)
        ids: list[str] = []
        duplicate = False
        for part in parts:
            outcome = await self._send_part(claimed, part)
            duplicate = duplicate or outcome.duplicate
            if outcome.smsc_id is None:
                return SubmitResult(
                    claimed.delivery_id, error=outcome.error, retryable=outcome.retryable, possible_duplicate=duplicate
                )
            ids.append(outcome.smsc_id)
        return SubmitResult(claimed.delivery_id, smsc_id=ids[0], possible_duplicate=duplicate)

    def _body(self, claimed: Claimed, part: Part) -> bytes:
        """The submit_sm body for one part."""
        source, ton, npi = source_address(claimed.sender or self.source_addr)
        return pdu.SubmitSm(
            source_addr=source,
            source_ton=ton,
            source_npi=npi,
            destination_addr=claimed.phone,
            esm_class=part.esm_class,
            data_coding=part.data_coding,
            short_message=part.short_message,
            validity_period=relative_validity(claimed.validity_minutes) if claimed.validity_minutes else "",
        ).body()

    async def _send_part(self, claimed: Claimed, part: Part) -> _Outcome:
        """One part, with bounded retries on no answer or a temporary error, and back-off on throttling."""
        body = self._body(claimed, part)
        error, duplicate, tries, throttled = "", False, 0, 0
        while tries <= self.retries and throttled <= MAX_THROTTLED:
            session = await self._bound_session()
            if session is None:
                return _Outcome(error="no SMSC bind is up", retryable=True, duplicate=duplicate)
            try:
                response = await session.submit(body, self.rate.acquire)
            except (ResponseTimeout, LinkDown) as failure:
                log.warning("submit_sm to %s unanswered (%s); sending again", claimed.phone, failure)
                tries, duplicate, error = tries + 1, True, str(failure)
                continue
            kind = get_submit_status_class(response.status)
            if kind == "ok":
                return _Outcome(smsc_id=pdu.parse_message_id(response.body) or "-", duplicate=duplicate)
            error = f"SMSC answered command_status 0x{response.status:02X}"
            if kind == "permanent":
                return _Outcome(error=error, duplicate=duplicate)
            if kind == "throttle":
                throttled += 1
                self.rate.throttled()
            else:
                tries += 1
                await asyncio.sleep(0.05 * tries)
        return _Outcome(error=error, retryable=True, duplicate=duplicate)

    async def _bound_session(self) -> Session | None:
        """A bound session, taking the binds in turn; waits a little for one to come up, else None."""
        for _ in range(2):
            bound = [link for link in self.links if link.session is not None and not link.session.closed.is_set()]
            if bound:
                return bound[next(self._turn) % len(bound)].session
            waiters = [asyncio.ensure_future(link.bound.wait()) for link in self.links]
            done, pending = await asyncio.wait(
                waiters, timeout=self.bind_wait_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()
            if not done:
                return None
        return None
