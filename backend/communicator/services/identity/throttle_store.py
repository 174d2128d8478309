"""Counters that expire: in memory when embedded, in Redis when api processes are scaled out.

A counter's window starts with its first hit and does not move with later hits (a fixed window per key).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

# Expired counters are swept when the memory store grows past this, so a spray of logins cannot grow it forever.
SWEEP_ABOVE = 10_000


class CounterStore(Protocol):
    """Where the throttle keeps its counts."""

    async def hit(self, keys: list[str], window: float) -> list[tuple[int, float]]:
        """Add one to each counter; returns each (count, seconds until it expires)."""
        ...

    async def forgive(self, keys: list[str]) -> None:
        """Take one back from each counter that still exists."""
        ...

    async def clear(self, key: str) -> None:
        """Drop a counter."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class MemoryCounterStore:
    """Counters of one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)

    async def hit(self, keys: list[str], window: float) -> list[tuple[int, float]]:
        """Add one to each counter; returns each (count, seconds until it expires)."""
        now = self.clock()
        if len(self.counters) > SWEEP_ABOVE:
            self.counters = {k: v for k, v in self.counters.items() if v[1] > now}
        counts = []
        for key in keys:
            count, expires = self.counters.get(key, (0, now + window))
            if expires <= now:
                count, expires = 0, now + window
            self.counters[key] = (count + 1, expires)
            counts.append((count + 1, expires - now))
        return counts

    async def forgive(self, keys: list[str]) -> None:
        """Take one back from each counter that still exists."""
        for key in keys:
            if key in self.counters:
                count, expires = self.counters[key]
                self.counters[key] = (max(count - 1, 0), expires)

    async def clear(self, key: str) -> None:
        """Drop a counter."""
        self.counters.pop(key, None)

    async def close(self) -> None:
        """Nothing to release."""


# INCR keeps a key's TTL, so the window is set only by the first hit.
_HIT = """
local out = {}
for _, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  table.insert(out, count)
  table.insert(out, redis.call('PTTL', key))
end
return out
"""
# DECR on a missing key would create one without a TTL, hence the check.
_FORGIVE = """
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count > 0 then redis.call('DECR', key) end
end
return 0
"""


class RedisCounterStore:
    """Counters shared by every api process through Redis."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(redis_url)
        self.prefix = f"{prefix}:throttle:"
        self._hit = self.redis.register_script(_HIT)
        self._forgive = self.redis.register_script(_FORGIVE)

    async def hit(self, keys: list[str], window: float) -> list[tuple[int, float]]:
        """Add one to each counter; returns each (count, seconds until it expires)."""
        flat = await self._hit(keys=[self.prefix + k for k in keys], args=[int(window * 1000)])
        return [(int(flat[i]), max(int(flat[i + 1]), 0) / 1000) for i in range(0, len(flat), 2)]

    async def forgive(self, keys: list[str]) -> None:
        """Take one back from each counter that still exists."""
        await self._forgive(keys=[self.prefix + k for k in keys])

    async def clear(self, key: str) -> None:
        """Drop a counter."""
        await self.redis.delete(self.prefix + key)

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()
