"""The submit rate: a hard TPS ceiling (≤ 1% over in any second) that backs off when the SMSC throttles."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

CUT = 0.7  # on ESME_RTHROTTLED / ESME_RMSGQFUL the rate drops to this share (at most once a second)
RAISE_SHARE = 0.02  # each calm second gives back this share of the ceiling
PAUSE_FIRST, PAUSE_CAP = 0.1, 5.0
# Calm climbs back only to this share of what the SMSC took in the last second, for this long. Not 0.95: an SMSC
# that counts per calendar second lets one sliding second hold a few more, and the rate settled above its limit.
LEARN_SHARE, LEARN_SECONDS = 0.9, 60.0


class AdaptiveRate:
    """Paces every submit_sm of a driver; a throttle pauses sending and lowers the rate, calm raises it again."""

    def __init__(self, tps: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = tps
        self.clock = clock
        # A token bucket with a burst of 1% of the rate: no one-second window can see more than rate × 1.01.
        self.rate = tps
        self._burst = max(1.0, tps / 100)
        self._tokens = self._burst
        self._filled_at = clock()
        self.throttles = 0
        self._last_cut = float("-inf")
        self._last_raise = clock()
        self._pause = PAUSE_FIRST
        self._paused_until = 0.0
        self._learned = tps  # the ceiling the SMSC showed us (by throttling) lately
        self._learned_at = float("-inf")
        self._recent: deque[float] = deque()  # send times in the last second: the hard check behind the bucket
        self._taken: deque[float] = deque()  # submit_sm the SMSC accepted in the last second
        self._refused: deque[float] = deque()  # throttle answers in the last second
        self.history: list[float] | None = None  # every send time, when a test or benchmark asks for it

    def _set_rate(self, rate: float) -> None:
        self.rate = rate
        self._burst = max(1.0, rate / 100)
        self._tokens = min(self._tokens, self._burst)

    async def acquire(self) -> None:
        """Wait for the right to send one submit_sm (no await at all while the rate has room)."""
        now = self.clock()
        self._raise_when_calm(now)
        if self._paused_until > now:
            await asyncio.sleep(self._paused_until - now)
        debt = self._take_token()
        if debt > 0:
            await asyncio.sleep(debt)  # the debt is repaid by the next refill, so no loop (and no float creep)
        while (wait := self._wait_for_last_second()) > 0:
            await asyncio.sleep(wait)

    def _raise_when_calm(self, now: float) -> None:
        """A calm second gives back a share of the ceiling (only up to the learned rate for a while)."""
        cap = self._learned if now - self._learned_at < LEARN_SECONDS else self.ceiling
        if now - self._last_raise >= 1.0 and now - self._last_cut >= 1.0 and self.rate < cap:
            self._set_rate(min(cap, self.rate + max(1.0, self.ceiling * RAISE_SHARE)))
            self._last_raise = now
            self._pause = PAUSE_FIRST

    def _take_token(self) -> float:
        """Take one token; the seconds to wait off the debt when the bucket was empty."""
        now = self.clock()
        self._tokens = min(self._burst, self._tokens + (now - self._filled_at) * self.rate) - 1
        self._filled_at = now
        return -self._tokens / self.rate if self._tokens < 0 else 0.0

    def _wait_for_last_second(self) -> float:
        """0 (and the send recorded) if fewer than rate × 1.01 went out in the last second, else the seconds to wait."""
        # Checked when the send is due, not when it was scheduled: a late wake-up must not make a burst.
        limit = max(1, math.floor(self.rate * 1.01))
        now = self.clock()
        recent = self._recent
        if _last_second(recent, now) >= limit:
            return recent[0] + 1.0 - now + 1e-4
        recent.append(now)
        if self.history is not None:
            self.history.append(now)
        return 0.0

    def accepted(self) -> None:
        """The SMSC took a submit_sm: what throttling learns the SMSC's rate from."""
        now = self.clock()
        self._taken.append(now)
        _last_second(self._taken, now)

    def throttled(self) -> None:
        """The SMSC said slow down: learn what it took in the last second, pause (doubling while it goes on), slow down."""
        now = self.clock()
        self.throttles += 1
        self._refused.append(now)
        # Each count errs high: acceptances of sends from before this second, and sends still unanswered counted
        # as taken. The lower one keeps the learned rate from settling just above the SMSC's.
        sent = _last_second(self._recent, now)
        taken = min(_last_second(self._taken, now), sent - _last_second(self._refused, now))
        self._learned, self._learned_at = max(1.0, taken * LEARN_SHARE), now
        if now - self._last_cut < 1.0:
            self._set_rate(min(self.rate, self._learned))
            return
        self._last_cut = self._last_raise = now
        self._set_rate(max(1.0, min(self.rate * CUT, self._learned)))
        self._paused_until = now + self._pause
        self._pause = min(PAUSE_CAP, self._pause * 2)


def _last_second(times: deque[float], now: float) -> int:
    """Drop the times a second or more before `now`; how many are left."""
    while times and times[0] <= now - 1.0:
        times.popleft()
    return len(times)
