"""The submit rate: a hard TPS ceiling (≤ 1% over in any second) that backs off when the SMSC throttles."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from communicator.gateway.ratelimit import TokenBucket

CUT = 0.7  # on ESME_RTHROTTLED / ESME_RMSGQFUL the rate drops to this share (at most once a second)
RAISE_SHARE = 0.02  # each calm second gives back this share of the ceiling
PAUSE_FIRST, PAUSE_CAP = 0.1, 5.0


class AdaptiveRate:
    """Paces every submit_sm of a driver; a throttle pauses sending and lowers the rate, calm raises it again."""

    def __init__(self, tps: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = tps
        self.clock = clock
        # A burst of 1% of the rate: no one-second window can see more than rate × 1.01.
        self.bucket = TokenBucket(tps, burst=max(1.0, tps / 100), clock=clock)
        self.throttles = 0
        self._last_cut = float("-inf")
        self._last_raise = clock()
        self._pause = PAUSE_FIRST
        self._paused_until = 0.0

    @property
    def rate(self) -> float:
        """The rate allowed now."""
        return self.bucket.rate

    def _set_rate(self, rate: float) -> None:
        self.bucket.rate = rate
        self.bucket.capacity = max(1.0, rate / 100)
        self.bucket.tokens = min(self.bucket.tokens, self.bucket.capacity)

    async def acquire(self) -> None:
        """Wait for the right to send one submit_sm."""
        now = self.clock()
        if now - self._last_raise >= 1.0 and now - self._last_cut >= 1.0 and self.rate < self.ceiling:
            self._set_rate(min(self.ceiling, self.rate + max(1.0, self.ceiling * RAISE_SHARE)))
            self._last_raise = now
            self._pause = PAUSE_FIRST
        if self._paused_until > now:
            await asyncio.sleep(self._paused_until - now)
        await self.bucket.acquire(1)

    def throttled(self) -> None:
        """The SMSC said slow down: pause (doubling while it goes on) and lower the rate."""
        now = self.clock()
        self.throttles += 1
        if now - self._last_cut < 1.0:
            return
        self._last_cut = self._last_raise = now
        self._set_rate(max(1.0, self.rate * CUT))
        self._paused_until = now + self._pause
        self._pause = min(PAUSE_CAP, self._pause * 2)
