"""First pages on a big history: GET /api/v1/threads and a thread's messages, p95 ≤ 50 ms each (SQLite).

5,000 employee threads and 200 group threads holding 1,000,000 messages (bench/_history.py, not timed); then, against
a server subprocess, 200 requests of each first page, one after another, over one keep-alive connection.
See docs/bench.md.

COMMUNICATOR_BENCH_HISTORY=/tmp/communicator-history-1000000.db keeps the seeded file there and reuses it on the
next run (copied, then brought to the migration head): seeding takes about 2 minutes.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ServerProcess, TempDatabase, info, login_cookie, percentile, report, seed_account, seed_big_group
from _history import seed_history

from communicator.db.migrate import upgrade

EMPLOYEES = 5_000
GROUPS = 200
MESSAGES = 1_000_000
REQUESTS = 200
TARGET_MS = 50.0


def _timed(client: httpx.Client, path: str) -> tuple[float, dict]:
    """One GET, its wall time in ms and its body."""
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, response.json()


def _measure(server: ServerProcess) -> None:
    """Time the first pages and report their p95."""
    cookie = login_cookie(server.url)
    with httpx.Client(base_url=server.url, cookies={"communicator_session": cookie}, trust_env=False) as client:
        _, first = _timed(client, "/api/v1/threads")
        info(f"first page: {len(first['items'])} threads, next_cursor {first.get('next_cursor')!r}")
        threads_ms = [_timed(client, "/api/v1/threads")[0] for _ in range(REQUESTS)]
        _, second = _timed(client, f"/api/v1/threads?cursor={first.get('next_cursor') or ''}")
        ids = [t["id"] for t in first["items"] + second["items"]]
        rng = random.Random(3)
        messages_ms = [_timed(client, f"/api/v1/threads/{rng.choice(ids)}/messages")[0] for _ in range(REQUESTS)]
    info(f"threads p50 {percentile(threads_ms, 50):.1f} ms; messages p50 {percentile(messages_ms, 50):.1f} ms")
    report("threads list, first page (p95)", percentile(threads_ms, 95), TARGET_MS, "ms")
    report("thread messages, first page (p95)", percentile(messages_ms, 95), TARGET_MS, "ms")


def _seed(db: TempDatabase) -> None:
    """The account, its 5,000 employees and the history (not timed)."""
    actor = asyncio.run(seed_account(db.url))
    _, employees = asyncio.run(seed_big_group(db.url, actor.account_id, EMPLOYEES, name="Все 5000"))
    started = time.perf_counter()
    path = db.url.removeprefix("sqlite+aiosqlite:///")
    threads = seed_history(path, actor.account_id, actor.user_id, employees, GROUPS, MESSAGES)
    seconds = time.perf_counter() - started
    info(f"seeded {threads:,} threads, {MESSAGES:,} messages in {seconds:.0f} s ({MESSAGES / seconds:,.0f} msg/s)")


def _prepare(db: TempDatabase) -> None:
    """Seed the temp database, or copy the kept one (COMMUNICATOR_BENCH_HISTORY) and migrate it to the head."""
    kept = os.environ.get("COMMUNICATOR_BENCH_HISTORY")
    path = db.url.removeprefix("sqlite+aiosqlite:///")
    if kept and Path(kept).exists():
        shutil.copyfile(kept, path)
        upgrade(db.url)
        info(f"reused the seeded history {kept}")
        return
    _seed(db)
    if kept:
        shutil.copyfile(path, kept)  # before the server writes its sessions: the kept copy stays as seeded


def main() -> None:
    """Seed, serve, measure."""
    with TempDatabase() as db:
        _prepare(db)
        with ServerProcess(db.url, gateway_enabled=False) as server:
            _measure(server)


if __name__ == "__main__":
    main()
