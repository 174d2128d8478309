"""The SMPP 3.4 driver: binds kept up, submits paced and windowed, receipts and MO into the services.

The protocol layer is our own (communicator.gateway.smpp); docs/gateway.md says why.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import random
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from communicator.db.session import Database
from communicator.gateway.drivers import LinkState
from communicator.gateway.drivers.statuses import get_submit_status_class
from communicator.gateway.smpp import pdu
from communicator.gateway.smpp.inbound import Inbound
from communicator.gateway.smpp.link import Link
from communicator.gateway.smpp.rate import AdaptiveRate
from communicator.gateway.smpp.session import BindConfig, LinkDown, ResponseTimeout
from communicator.gateway.smpp.text import Part, split_text
from communicator.queue import Claimed
from communicator.services.messaging.delivery import SubmitResult
from communicator.services.operations.smpp_binds import SmppBindConfig, get_link_name

log = logging.getLogger(__name__)
MAX_THROTTLED = 50  # throttle answers one part may get before the worker requeues it


@dataclass(frozen=True, kw_only=True)
class _Outcome:
    """What became of one part."""

    smsc_id: str | None = None
    error: str | None = None
    retryable: bool = False
    duplicate: bool = False  # an earlier try may have reached the SMSC (no response, or the link fell)
    unsent: bool = False  # no bind of its account was up: it went nowhere


@dataclass(eq=False)
class _Bind:
    """A link with what goes with it: its pacing, its source address and whose SMS it carries."""

    link: Link
    rate: AdaptiveRate
    source_addr: str
    account_id: int | None = None  # None: the settings' bind, for every account without binds of its own
    config: SmppBindConfig | None = None  # the smpp_binds row it was started from


class SmppDriver:
    """A Driver over one or more SMPP transceiver binds: the settings' ones and the smpp_binds table's."""

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
        load_binds: Callable[[], Awaitable[list[SmppBindConfig]]] | None = None,
        reload_seconds: float = 5.0,
        enquire_link_seconds: float = 30.0,
        response_timeout: float = 10.0,
    ) -> None:
        self.db = db
        self.source_addr = source_addr
        self.retries = retries
        self.bind_wait_seconds = bind_wait_seconds
        self.rng = rng or random.Random()
        self.rate = AdaptiveRate(tps)  # the settings' binds share it
        self.inbound = Inbound(db)
        self.binds = [
            _Bind(self._link(f"smpp:{b.system_id}@{b.host}:{b.port}#{n}", b, tps / len(binds)), self.rate, source_addr)
            for n, b in enumerate(binds, start=1)
        ]
        self._settings_tps = tps if binds else 0.0
        self.tps = tps
        self.load_binds = load_binds
        self.reload_seconds = reload_seconds
        self.enquire_link_seconds, self.response_timeout = enquire_link_seconds, response_timeout  # the table's binds
        self._watcher: asyncio.Task[None] | None = None
        self._references = itertools.count(self.rng.randrange(256))
        self._turn = itertools.count()
        self._gave_up: dict[int, float] = {}  # account → loop time its last wait for a bind ran out

    @property
    def links(self) -> list[Link]:
        """Every link, the settings' first."""
        return [bind.link for bind in self.binds]

    def _link(self, name: str, config: BindConfig, tps: float) -> Link:
        """A link whose deliver_sm go to this driver's inbound handler."""
        return Link(name, config, self.inbound.handle, tps=tps, rng=self.rng)

    async def start(self) -> None:
        """Start binding (in the background: a down SMSC must not keep the gateway from starting)."""
        self.inbound.start()
        for link in self.links:
            link.start()
        if self.load_binds is not None:
            self._watcher = asyncio.create_task(self._watch_binds(), name="smpp-binds")

    async def stop(self) -> None:
        """Unbind every link."""
        if self._watcher:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
        await asyncio.gather(*(link.stop() for link in self.links))
        await self.inbound.stop()

    def link_states(self) -> list[LinkState]:
        """Each bind's state."""
        return [link.state() for link in self.links]

    async def _watch_binds(self) -> None:
        """Follow the smpp_binds table: start added binds, rebind changed ones, unbind removed or disabled ones."""
        assert self.load_binds is not None
        while True:
            try:
                await self.apply_binds(await self.load_binds())
            except Exception:
                log.exception("reading the SMPP binds failed; will try again")
            await asyncio.sleep(self.reload_seconds)

    async def apply_binds(self, configs: Sequence[SmppBindConfig]) -> None:
        """Make the table's binds the running ones (the settings' binds stay as they are)."""
        wanted = {config.id: config for config in configs}
        keep, gone = [], []
        for bind in self.binds:
            if bind.config is None:
                keep.append(bind)
            elif wanted.get(bind.config.id) == bind.config:
                keep.append(bind)
                del wanted[bind.config.id]
            else:
                gone.append(bind)  # removed, disabled or changed: a changed one comes back from `wanted`
        for config in wanted.values():
            bind = self._table_bind(config)
            bind.link.start()
            keep.append(bind)
        self.binds = keep
        self.tps = max(1.0, self._settings_tps + sum(b.config.tps for b in keep if b.config))
        await asyncio.gather(*(bind.link.stop() for bind in gone))

    def _table_bind(self, config: SmppBindConfig) -> _Bind:
        """A link for one smpp_binds row, paced by its own TPS."""
        bind = BindConfig(
            host=config.host,
            port=config.port,
            system_id=config.system_id,
            password=config.password,
            system_type=config.system_type,
            window=config.window,
            enquire_link_seconds=self.enquire_link_seconds,
            response_timeout=self.response_timeout,
        )
        name = get_link_name(config.id, config.system_id, config.host, config.port)
        link = self._link(name, bind, config.tps)
        return _Bind(link, AdaptiveRate(config.tps), config.source_addr or self.source_addr, config.account_id, config)

    async def submit(self, batch: Sequence[Claimed]) -> list[SubmitResult]:
        """Submit a batch through a few lanes per route (its binds' windows bound how many are outstanding)."""
        results: list[SubmitResult | None] = [None] * len(batch)
        lanes = []
        for route, indexes in self._by_route(batch).items():
            todo = iter(indexes)
            # As many lanes as the route's windows hold: more would only queue on the window semaphore.
            lanes += [self._lane(batch, todo, results) for _ in range(min(len(indexes), self._windows(route)))]
        await asyncio.gather(*lanes)
        return [result for result in results if result is not None]

    async def _lane(self, batch: Sequence[Claimed], todo: Iterator[int], results: list[SubmitResult | None]) -> None:
        """Submit deliveries one after another until the route's share of the batch is done."""
        for index in todo:
            results[index] = await self._submit_one(batch[index])

    def _by_route(self, batch: Sequence[Claimed]) -> dict[tuple[_Bind, ...], list[int]]:
        """The batch's positions by the binds they go through (lanes of one route never wait on another's window)."""
        routes: dict[int, tuple[_Bind, ...]] = {}
        grouped: dict[tuple[_Bind, ...], list[int]] = {}
        for index, claimed in enumerate(batch):
            route = routes.get(claimed.account_id)
            if route is None:
                route = routes[claimed.account_id] = tuple(self._routes(claimed.account_id))
            grouped.setdefault(route, []).append(index)
        return grouped

    @staticmethod
    def _windows(route: tuple[_Bind, ...]) -> int:
        """How many submit_sm a route can have outstanding at once (at least one lane when it has no bind)."""
        return max(1, sum(bind.link.config.window for bind in route))

    async def _submit_one(self, claimed: Claimed) -> SubmitResult:
        """All parts of one delivery; its SMSC id is the first part's, and each part's id is kept for its receipt."""
        parts = split_text(claimed.text, next(self._references) % 256)
        ids: list[str] = []
        duplicate = False
        for part in parts:
            outcome = await self._send_part(claimed, part)
            duplicate = duplicate or outcome.duplicate
            if outcome.smsc_id is None:
                return SubmitResult(
                    claimed.delivery_id,
                    error=outcome.error,
                    retryable=outcome.retryable,
                    possible_duplicate=duplicate,
                    unsent=outcome.unsent and not ids and not duplicate,
                )
            ids.append(outcome.smsc_id)
        return SubmitResult(
            claimed.delivery_id, smsc_id=ids[0], part_ids=ids if len(ids) > 1 else None, possible_duplicate=duplicate
        )

    def _body(self, claimed: Claimed, part: Part, source_addr: str | None = None) -> bytes:
        """The submit_sm body for one part; without a sender name it goes from the bind's source address."""
        return pdu.submit_sm(
            pdu.source_address(claimed.sender or source_addr or self.source_addr),
            claimed.phone,
            part.esm_class,
            part.data_coding,
            part.short_message,
            pdu.relative_validity(claimed.validity_minutes) if claimed.validity_minutes else b"\0",
        )

    async def _send_part(self, claimed: Claimed, part: Part) -> _Outcome:
        """One part, with bounded retries on no answer or a temporary error, and back-off on throttling."""
        error, duplicate, tries, throttled = "", False, 0, 0
        while tries <= self.retries and throttled <= MAX_THROTTLED:
            bind = self._pick(claimed.account_id) or await self._bound(claimed.account_id)
            if bind is None or bind.link.session is None:
                return _Outcome(error="no SMSC bind is up", retryable=True, duplicate=duplicate, unsent=True)
            try:
                response = await bind.link.session.submit(
                    self._body(claimed, part, bind.source_addr), bind.rate.acquire
                )
            except (ResponseTimeout, LinkDown) as failure:
                log.warning("submit_sm to %s unanswered (%s); sending again", claimed.phone, failure)
                tries, duplicate, error = tries + 1, True, str(failure)
                continue
            kind = get_submit_status_class(response.status)
            if kind == "ok":
                bind.rate.accepted()
                return _Outcome(smsc_id=pdu.parse_message_id(response.body) or "-", duplicate=duplicate)
            error = f"SMSC answered command_status 0x{response.status:02X}"
            if kind == "permanent":
                return _Outcome(error=error, duplicate=duplicate)
            if kind == "throttle":
                throttled += 1
                bind.rate.throttled()
            else:
                tries += 1
                await asyncio.sleep(0.05 * tries)
        return _Outcome(error=error, retryable=True, duplicate=duplicate)

    def _routes(self, account_id: int) -> list[_Bind]:
        """The binds an account's SMS go through: its own when it has any, else the settings' ones."""
        own = [bind for bind in self.binds if bind.account_id == account_id]
        return own or [bind for bind in self.binds if bind.account_id is None]

    def _pick(self, account_id: int) -> _Bind | None:
        """A bound bind of the account's, taking them in turn; None when none is bound right now."""
        routes = self._routes(account_id)
        bound = [b for b in routes if b.link.session is not None and not b.link.session.closed.is_set()]
        return bound[next(self._turn) % len(bound)] if bound else None

    async def _bound(self, account_id: int) -> _Bind | None:
        """A bound bind of the account's; waits a little for one to come up, else None."""
        loop = asyncio.get_running_loop()
        for _ in range(2):
            bind = self._pick(account_id)
            if bind is not None:
                return bind
            routes = self._routes(account_id)
            if not routes or any(b.link.session is not None for b in self.binds):
                return None  # other binds are up, not this account's: waiting here would hold up the whole batch
            if loop.time() - self._gave_up.get(account_id, -math.inf) < self.bind_wait_seconds:
                return None  # a wait just ran out: a lane's next deliveries must not each wait again
            waiters = [asyncio.ensure_future(b.link.bound.wait()) for b in routes]
            done, pending = await asyncio.wait(
                waiters, timeout=self.bind_wait_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()
            if not done:
                self._gave_up[account_id] = loop.time()
                return None
        return None
