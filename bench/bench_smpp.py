"""SMPP egress: the driver against smpp34's Server on loopback (the tests' scripted peer).

1. With 20 ms injected at the SMSC before each submit_sm_resp, a window of W outstanding submits moves
   W ÷ RTT submits a second at best (RTT measured with one submit outstanding at a time); target ≥ 90%.
2. With no injected latency, one bind carries ≥ 3,000 submit_sm/s.

The driver is measured by itself (a batch of claimed deliveries straight into SmppDriver.submit): the
database side of the gateway is bench_drain's. bench_smpp_faults.py runs the fault tests full size.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import psutil
from _common import info, report

from communicator.gateway.drivers.smpp import SmppDriver
from communicator.gateway.smpp.session import BindConfig
from communicator.queue import Claimed

LATENCY = 0.020
WINDOW = 10
LOOPBACK_WINDOW = 50


class NoInbound:
    """No receipts are sent in these runs; nothing to store."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class PeerProcess:
    """The scripted smpp34 SMSC in its own process, so it does not share this one's CPU time."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0

    async def __aenter__(self) -> Self:
        # One tokio worker: smpp34 completes every Server.next() from a worker thread that needs the GIL, and a
        # second worker only contends for it. With uvloop (tests/smsc_peer.py) the peer's CPU per submit_sm fell
        # from ~125 µs to ~30–50 µs (docs/bench.md).
        env = {**os.environ, "SMPP34_WORKER_THREADS": "1"}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.smsc_peer", str(self.delay), cwd=ROOT, stdout=asyncio.subprocess.PIPE, env=env
        )
        assert self.process.stdout is not None
        self.port = int(await self.process.stdout.readline())
        return self

    def cpu_seconds(self) -> float:
        """The peer's user + system CPU time so far (its smpp34 threads included)."""
        assert self.process is not None
        return sum(psutil.Process(self.process.pid).cpu_times()[:2])

    async def __aexit__(self, *_: object) -> None:
        if self.process:
            self.process.kill()
            await self.process.wait()


async def _rate(peer: PeerProcess, window: int, count: int) -> float:
    """Submits per second through one bind; prints this process's and the peer's CPU per submit."""
    port = peer.port
    bind = BindConfig(host="127.0.0.1", port=port, system_id="bench", password="bench", window=window)
    driver = SmppDriver(None, [bind], tps=1_000_000)  # type: ignore[arg-type]  # submit needs no database
    driver.inbound = NoInbound()  # type: ignore[assignment]
    await driver.start()
    try:
        await driver.links[0].bound.wait()
        warm = [Claimed(i, 1, f"+7926{i:07}", "warm-up", 1, False) for i in range(window * 4)]
        await driver.submit(warm)
        batch = [Claimed(i, 1, f"+7927{i:07}", "Проверка связи", 1, False) for i in range(count)]
        started, cpu, peer_cpu = time.perf_counter(), time.process_time(), peer.cpu_seconds()
        results = await driver.submit(batch)
        elapsed = time.perf_counter() - started
        ours, theirs = time.process_time() - cpu, peer.cpu_seconds() - peer_cpu
        info(
            f"{count} submits in {elapsed:.2f} s; CPU per submit: this process {ours / count * 1e6:.0f} µs, "
            f"the peer {theirs / count * 1e6:.0f} µs (load average {os.getloadavg()[0]:.1f})"
        )
    finally:
        await driver.stop()
    assert all(r.smsc_id for r in results), "every submit accepted"
    return count / elapsed


async def main() -> None:
    async with PeerProcess(LATENCY) as peer:
        rtt = 1 / await _rate(peer, 1, 100)  # one outstanding at a time: each takes a round trip
        info(f"egress: window {WINDOW}, {LATENCY * 1000:.0f} ms at the SMSC, measured RTT {rtt * 1000:.1f} ms")
        rate = await _rate(peer, WINDOW, 2_000)
    ceiling = WINDOW / rtt
    report(
        "smpp_egress_vs_window_rtt",
        rate / ceiling * 100,
        90.0,
        "% of window/RTT",
        higher_is_better=True,
        note=f"{rate:.0f}/s against {ceiling:.0f}/s",
    )
    async with PeerProcess(0.0) as peer:
        info(f"loopback: window {LOOPBACK_WINDOW}, no injected latency")
        rate = await _rate(peer, LOOPBACK_WINDOW, 20_000)
    report("smpp_loopback_submit_per_bind", rate, 3_000.0, "submit_sm/s", higher_is_better=True)


if __name__ == "__main__":
    asyncio.run(main())
