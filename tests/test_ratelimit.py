"""The token bucket, with an injected clock: no real sleeping."""

from __future__ import annotations

from communicator.gateway.ratelimit import TokenBucket


class FakeClock:
    """Time that moves only when the bucket sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_rate_is_respected_over_a_long_run() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100, clock=clock, sleep=clock.sleep)
    for _ in range(50):
        await bucket.acquire(20)
    # 1000 units at 100/s take about 10 s; the initial burst (10) saves a little.
    assert 9.8 <= clock.now <= 10.1


async def test_burst_passes_without_waiting() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100, burst=50, clock=clock, sleep=clock.sleep)
    await bucket.acquire(50)
    assert clock.now == 0
    await bucket.acquire(10)
    assert abs(clock.now - 0.1) < 1e-9


async def test_refund_returns_unused_units() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100, burst=10, clock=clock, sleep=clock.sleep)
    await bucket.acquire(10)
    bucket.refund(10)
    await bucket.acquire(10)
    assert clock.now == 0
