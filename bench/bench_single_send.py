"""Single sends: POST /api/v1/messages with one number, 32 concurrent clients, one api process.

Machines (monitoring, 1C, the M2M API) send one SMS per request with an API token. The server runs
in its own process with the gateway off, so only the accept is measured; the load generator
(bench/_load.py) runs in a third process. Targets: ≥ 2,000/s on SQLite, ≥ 1,000/s on PostgreSQL,
p99 ≤ 100 ms. PostgreSQL is skipped, with a note, when COMMUNICATOR_BENCH_PG does not answer.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import (
    ServerProcess,
    TempDatabase,
    TempPostgres,
    info,
    login_cookie,
    median,
    percentile,
    report,
    seed_account,
)
from sqlalchemy import func, select

from communicator.db.models import Delivery
from communicator.db.session import Database

CLIENTS = 32
SECONDS = 10.0
WARMUP = 3.0
TARGETS = {"SQLite": 2_000.0, "PostgreSQL": 1_000.0}
TARGET_P99_MS = 100.0
# Half the sends go to employees (their own thread), half to numbers outside the directory.
NUMBERS = [f"+791610000{n:02}" for n in range(1, 21)] + [f"+7903555{n:04}" for n in range(20)]


def _api_token(server_url: str) -> str:
    """A new API token with messages:send, created by the admin through the API."""
    cookie = login_cookie(server_url)
    response = httpx.post(
        f"{server_url}/api/v1/tokens",
        json={"name": "bench single send", "scopes": ["messages:send"]},
        cookies={"communicator_session": cookie},
        headers={"Origin": server_url},
        timeout=30,
        trust_env=False,
    )
    response.raise_for_status()
    return response.json()["token"]


def _load(server_url: str, token: str) -> dict:
    """Run the load generator in its own process; returns its result."""
    bodies = [
        json.dumps({"text": f"Мониторинг: событие {n}", "recipients": {"numbers": [p]}}) for n, p in enumerate(NUMBERS)
    ]
    args = {
        "clients": CLIENTS,
        "seconds": SECONDS,
        "warmup": WARMUP,
        "bodies": bodies,
        "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parent / "_load.py"), server_url, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=WARMUP + SECONDS + 60,
        check=True,
    )
    return json.loads(done.stdout)


async def _count_deliveries(url: str) -> int:
    """Deliveries in the database (every accepted send made one)."""
    db = Database(url)
    try:
        async with db.read() as session:
            return (await session.execute(select(func.count()).select_from(Delivery))).scalar_one()
    finally:
        await db.dispose()


def _measure(label: str, url: str) -> None:
    """Seed, serve, load, report throughput and latency on one database."""
    asyncio.run(seed_account(url))
    with ServerProcess(url, gateway_enabled=False) as server:
        token = _api_token(server.url)
        result = _load(server.url, token)
    accepted = result["statuses"].get("201", 0)
    others = {code: n for code, n in result["statuses"].items() if code != "201"}
    latencies_ms = [s * 1000 for s in result["latencies"]]
    stored = asyncio.run(_count_deliveries(url))
    info(
        f"{label}: {accepted:,} accepted in {result['window']:.1f} s (after {WARMUP:.0f} s warm-up), "
        f"{stored:,} deliveries stored in all, other answers {others or 'none'}"
    )
    rate = accepted / result["window"]
    p50, p99 = median(latencies_ms), percentile(latencies_ms, 99)
    report(f"single sends, {label}, {CLIENTS} clients", rate, TARGETS[label], "sends/s", higher_is_better=True)
    report(
        f"single send p99, {label}", p99, TARGET_P99_MS, "ms", note=f"p50 {p50:.1f} ms, max {max(latencies_ms):.0f} ms"
    )


def main() -> None:
    """SQLite, then PostgreSQL when it answers."""
    print(
        f"bench_single_send: POST /api/v1/messages, one number, {CLIENTS} clients, API token, gateway off", flush=True
    )
    with TempDatabase() as temp:
        _measure("SQLite", temp.url)
    postgres = TempPostgres()
    try:
        postgres.__enter__()
    except OSError as error:
        info(f"PostgreSQL skipped: {error}")
        return
    try:
        _measure("PostgreSQL", postgres.url)
    finally:
        postgres.__exit__()


if __name__ == "__main__":
    main()
