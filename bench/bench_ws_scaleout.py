"""Scale-out: inbound SMS → frame in 200 browsers spread over two api processes (PostgreSQL + Redis), p99 ≤ 200 ms.

Two `communicator api` processes share a fresh PostgreSQL database and Redis (a private channel prefix). 100
clients connect to each; inbound SMS are posted to the first, so half the frames cross Redis to the other
process. Each sample is one client × one message, as in bench_ws_latency.py (the same lean clients).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ws_latency as single
from _common import (
    ServerProcess,
    TempPostgres,
    info,
    login_cookie,
    percentile,
    raise_fd_limit,
    report,
    seed_account,
)
from _lean_ws import close_lean_sockets, open_lean_sockets

CLIENTS_PER_PROCESS = 100
REDIS_URL = os.environ.get("COMMUNICATOR_BENCH_REDIS", "redis://127.0.0.1:6379/0")


async def _measure(first: ServerProcess, second: ServerProcess) -> tuple[list[float], int]:
    """Connect the clients to both processes, post to the first, collect the samples."""
    cookie = login_cookie(first.url)
    sockets = [
        *await open_lean_sockets(first.host, first.url, cookie, CLIENTS_PER_PROCESS),
        *await open_lean_sockets(second.host, second.url, cookie, CLIENTS_PER_PROCESS),
    ]
    info(f"{len(sockets)} clients connected ({CLIENTS_PER_PROCESS} per api process)")
    sent_at: dict[int, float] = {}
    try:
        await single._post_all(first, sent_at)
        wanted = len(sockets) * (single.MESSAGES + single.WARM_UP)
        deadline = time.monotonic() + single.FRAME_WAIT_SECONDS
        while time.monotonic() < deadline and sum(len(s.frames) for s in sockets) < wanted:
            await asyncio.sleep(0.05)
    finally:
        close_lean_sockets(sockets)
    single.CLIENTS = len(sockets)  # the missing-frame count in _samples uses it
    return single._samples(sockets, sent_at)


def main() -> None:
    """Seed, start two api processes, measure, report."""
    clients = 2 * CLIENTS_PER_PROCESS
    print(
        f"bench_ws_scaleout: inbound SMS → frame, {clients} clients on 2 api processes (PostgreSQL, Redis)", flush=True
    )
    raise_fd_limit(4096)
    with TempPostgres() as temp:
        asyncio.run(seed_account(temp.url))
        common = {"redis_url": REDIS_URL, "channel_prefix": f"bench-{uuid.uuid4().hex[:8]}", "gateway_enabled": False}
        with ServerProcess(temp.url, command="api", **common) as first:
            with ServerProcess(temp.url, command="api", **common) as second:
                samples, missing = asyncio.run(_measure(first, second))
    note = f"{len(samples):,} samples, {missing} frames missing, max {max(samples):.1f} ms"
    report(f"scale-out inbound SMS → frame p50, {clients} clients", percentile(samples, 50), 50, "ms", note=note)
    report(f"scale-out inbound SMS → frame p99, {clients} clients", percentile(samples, 99), 200, "ms", note=note)
    if missing:
        report("scale-out frames missing", missing, 0, "frames")


if __name__ == "__main__":
    main()
