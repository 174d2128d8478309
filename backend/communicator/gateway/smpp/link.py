"""One bind kept up: connect, bind, and when it ends rebind with exponential back-off and jitter."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime

from communicator.gateway.drivers import LinkState, LinkStatus
from communicator.gateway.smpp.session import BindConfig, BindRefused, RequestHandler, Session

log = logging.getLogger(__name__)
STABLE_SECONDS = 10.0  # a session that lived this long resets the back-off: one that dies at once does not


class Link:
    """A bind that reconnects by itself; `session` is the bound session or None."""

    def __init__(
        self,
        name: str,
        config: BindConfig,
        on_deliver: RequestHandler,
        *,
        tps: float,
        backoff_base: float = 0.5,
        backoff_cap: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.on_deliver = on_deliver
        self.tps = tps
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.rng = rng or random.Random()
        self.session: Session | None = None
        self.status: LinkStatus = "connecting"
        self.since = datetime.now(UTC)
        self.last_error: str | None = None
        self.binds = 0  # successful binds so far: a reconnect storm shows here
        self.bound = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin connecting in the background."""
        self._task = asyncio.create_task(self._run(), name=f"smpp-link-{self.name}")

    async def stop(self) -> None:
        """Unbind and stop reconnecting."""
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.session:
            await self.session.unbind()
        self._set("down", self.last_error)

    def state(self) -> LinkState:
        """This bind as the «Шлюз» page sees it."""
        return LinkState(
            name=self.name, status=self.status, since=self.since, last_error=self.last_error, tps_allowed=self.tps
        )

    def _set(self, status: LinkStatus, error: str | None) -> None:
        """Enter a status (its `since` changes only when the status does)."""
        if status != self.status:
            self.status, self.since = status, datetime.now(UTC)
        self.last_error = error
        if status == "bound":
            self.bound.set()
        else:
            self.bound.clear()

    def backoff(self, failures: int) -> float:
        """Seconds before the next bind attempt: exponential, capped, with full jitter in its upper half."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** min(failures, 30))
        return ceiling * (0.5 + self.rng.random() / 2)

    async def _run(self) -> None:
        """Bind, serve until the session ends, wait, bind again."""
        failures = 0
        while True:
            session = Session(self.config, self.on_deliver)
            try:
                await session.open()
            except (OSError, TimeoutError, BindRefused) as error:
                failures += 1
                reason = (
                    session.error or f"connect to {self.config.host}:{self.config.port}: {type(error).__name__} {error}"
                )
                self._set("down" if isinstance(error, BindRefused) else "connecting", reason)
                log.warning("SMPP bind %s failed (%s); retrying", self.name, reason)
                await asyncio.sleep(self.backoff(failures))
                continue
            started = time.monotonic()
            self.session, self.binds = session, self.binds + 1
            self._set("bound", None)
            log.info("SMPP bind %s is up", self.name)
            await session.closed.wait()
            self.session = None
            failures = 0 if time.monotonic() - started >= STABLE_SECONDS else failures + 1
            self._set("connecting", session.error)
            log.warning("SMPP bind %s lost: %s", self.name, session.error)
            await asyncio.sleep(self.backoff(failures) if failures else 0)
