"""Idle WebSockets: 1,000 connected browsers cost the server ≤ 100 KB each.

The server runs in its own process; the bench logs in once and opens CONNECTIONS idle connections to
/ws with that session, offering permessage-deflate as browsers do. The figure is the growth of the
server's resident memory (RSS) divided by the number of connections. Before the baseline, a warm-up
batch is opened and closed so one-time costs (lazy imports, pools, allocator arenas) are not charged
to the connections. It is measured twice: right after the connections open, and once every
connection has received one event (a compressor that has worked holds more memory than a fresh one).
A second server without compression on the client side shows what deflate costs.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import psutil
from _common import (
    ServerProcess,
    TempDatabase,
    close_sockets,
    info,
    login_cookie,
    open_sockets,
    raise_fd_limit,
    report,
    seed_account,
)

CONNECTIONS = 1_000
WARM_UP = 100
SETTLE_SECONDS = 2.0
TARGET_KB = 100.0


def _rss_kb(process: psutil.Process) -> float:
    """Resident memory of the server, in KB."""
    return process.memory_info().rss / 1024


async def _settled_rss(process: psutil.Process) -> float:
    """RSS after the server has had time to finish its work (the smallest of a few readings)."""
    await asyncio.sleep(SETTLE_SECONDS)
    readings = []
    for _ in range(5):
        readings.append(_rss_kb(process))
        await asyncio.sleep(0.1)
    return min(readings)


async def _one_event_everywhere(server: ServerProcess, sockets: list) -> None:
    """Post one inbound SMS and wait until every connection has received its frame."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30, trust_env=False) as client:
        response = await client.post("/api/v1/simulator/inbound", json={"from": "+79161000001", "text": "на месте"})
        response.raise_for_status()
    await asyncio.gather(*(asyncio.wait_for(s.recv(), 30) for s in sockets))


async def _per_connection_kb(server: ServerProcess, compression: str | None) -> tuple[float, float]:
    """Server RSS growth per idle connection, in KB: fresh, and after each has received one event."""
    process = psutil.Process(server.pid)
    cookie = login_cookie(server.url)
    await close_sockets(await open_sockets(server, cookie, WARM_UP, compression=compression))
    before = await _settled_rss(process)
    started = time.perf_counter()
    sockets = await open_sockets(server, cookie, CONNECTIONS, compression=compression)
    info(
        f"{CONNECTIONS:,} connections ({compression or 'no compression'}) opened in "
        f"{time.perf_counter() - started:.1f} s"
    )
    try:
        after = await _settled_rss(process)
        open_now = sum(1 for s in sockets if s.state.name == "OPEN")
        if open_now != CONNECTIONS:
            raise AssertionError(f"only {open_now} of {CONNECTIONS} connections stayed open")
        await _one_event_everywhere(server, sockets)
        after_event = await _settled_rss(process)
        info(
            f"server RSS {before / 1024:.1f} MB → {after / 1024:.1f} MB with {CONNECTIONS:,} connections"
            f" → {after_event / 1024:.1f} MB once each has received one event"
        )
    finally:
        await close_sockets(sockets)
    return (after - before) / CONNECTIONS, (after_event - before) / CONNECTIONS


def main() -> None:
    """Seed, then measure one fresh server per compression setting."""
    print(f"bench_ws_memory: server memory per idle WebSocket, {CONNECTIONS:,} connections", flush=True)
    raise_fd_limit(2 * (CONNECTIONS + WARM_UP) + 512)
    figures = {}
    with TempDatabase() as temp:
        asyncio.run(seed_account(temp.url))
        for compression in ("deflate", None):
            with ServerProcess(temp.url, gateway_enabled=False) as server:
                figures[compression] = asyncio.run(_per_connection_kb(server, compression))
    for compression, label in (("deflate", "deflate as browsers"), (None, "no compression")):
        fresh, after_event = figures[compression]
        report(f"server RSS per idle WebSocket ({label})", fresh, TARGET_KB, "KB")
        report(f"server RSS per idle WebSocket ({label}, after 1 event)", after_event, TARGET_KB, "KB")


if __name__ == "__main__":
    main()
