"""A token bucket: at most `rate` units per second, with an injectable clock for tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class TokenBucket:
    """Throttles a driver to its TPS (messages per second)."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(rate / 10, 1.0)
        self.tokens = self.capacity
        self.clock = clock
        self.sleep = sleep
        self.updated = clock()

    def _refill(self) -> None:
        """Add the tokens earned since the last look."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def refund(self, count: int) -> None:
        """Give back units taken but not used."""
        self.tokens = min(self.capacity, self.tokens + count)

    def take_now(self, count: int) -> bool:
        """Take `count` units if they are there now (True), else take nothing (False)."""
        self._refill()
        if self.tokens < count:
            return False
        self.tokens -= count
        return True

    async def acquire(self, count: int) -> None:
        """Take `count` units, waiting off any debt; a count above the burst simply waits longer."""
        self._refill()
        self.tokens -= count
        if self.tokens < 0:
            # The debt is repaid by the refill after the sleep, so no loop (and no float creep).
            await self.sleep(-self.tokens / self.rate)
