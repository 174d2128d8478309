"""Fan-out accept: one send to a 10,000-member group is persisted and queued in ≤ 1.0 s (SQLite).

Times the service call `send_message` in-process, then the full HTTP POST /api/v1/messages against a
server subprocess, with the gateway off so only the accept is measured. Median of RUNS after a warm-up.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _common import (
    ServerProcess,
    TempDatabase,
    info,
    login_cookie,
    median,
    report,
    seed_account,
    seed_big_group,
)
from sqlalchemy import func, select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.messaging.send import send_message

RECIPIENTS = 10_000
RUNS = 5
TARGET_SECONDS = 1.0
TEXT = "Внимание: завтра сбор в 8:00 у главного входа. Ответьте «да», если будете."


async def _pending_of(db: Database, message_id: int) -> int:
    """Pending deliveries of one message (proof the accept persisted and queued them all)."""
    async with db.read() as session:
        return (
            await session.execute(
                select(func.count()).where(Delivery.message_id == message_id, Delivery.status == "Pending")
            )
        ).scalar_one()


async def _time_service(url: str, actor, group_id: int) -> tuple[list[float], list[float]]:
    """Wall and CPU time of send_message, warm-up first (not counted)."""
    db = Database(url)
    data = MessageCreate(text=TEXT, recipients=Recipients(groups=[group_id]))
    times, cpu_times = [], []
    try:
        for run_no in range(RUNS + 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            read = await send_message(db, actor, data)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            pending = await _pending_of(db, read.id)
            if pending != RECIPIENTS:
                raise AssertionError(f"expected {RECIPIENTS} Pending deliveries, found {pending}")
            info(
                f"service run {run_no}{' (warm-up)' if run_no == 0 else ''}: {elapsed * 1000:.0f} ms "
                f"({cpu * 1000:.0f} ms CPU)"
            )
            if run_no:
                times.append(elapsed)
                cpu_times.append(cpu)
    finally:
        await db.dispose()
    return times, cpu_times


def _time_http(url: str, group_id: int) -> list[float]:
    """Wall time of POST /api/v1/messages (response fully read), warm-up first (not counted)."""
    times = []
    with ServerProcess(url, gateway_enabled=False) as server:
        cookie = login_cookie(server.url)
        with httpx.Client(
            base_url=server.url, cookies={"communicator_session": cookie}, headers={"Origin": server.url}, timeout=60
        ) as client:
            for run_no in range(RUNS + 1):
                started = time.perf_counter()
                response = client.post("/api/v1/messages", json={"text": TEXT, "recipients": {"groups": [group_id]}})
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                body = response.json()
                if body["summary"]["counts"] != {"Pending": RECIPIENTS}:
                    raise AssertionError(f"unexpected summary {body['summary']}")
                info(
                    f"HTTP run {run_no}{' (warm-up)' if run_no == 0 else ''}: {elapsed * 1000:.0f} ms, "
                    f"{len(response.content) / 1e6:.1f} MB response"
                )
                if run_no:
                    times.append(elapsed)
    return times


async def _seed_and_time_service(url: str) -> tuple[int, tuple[list[float], list[float]]]:
    """Seed the big group (not timed), then time the service; returns the group id and the times."""
    started = time.perf_counter()
    actor = await seed_account(url)
    group_id, _ = await seed_big_group(url, actor.account_id, RECIPIENTS)
    info(f"seeded {RECIPIENTS:,} employees in one group in {time.perf_counter() - started:.1f} s (not timed)")
    return group_id, await _time_service(url, actor, group_id)


def main() -> None:
    """Seed, time the service, time HTTP, report."""
    print(f"bench_fanout: accept one send to {RECIPIENTS:,} recipients (SQLite, gateway off)", flush=True)
    with TempDatabase() as temp:
        group_id, (service, service_cpu) = asyncio.run(_seed_and_time_service(temp.url))
        http = _time_http(temp.url, group_id)
    report(
        "send_message, 10,000 recipients (median)",
        median(service),
        TARGET_SECONDS,
        "s",
        note=f"{RUNS} runs, min {min(service):.3f} s, max {max(service):.3f} s, median CPU {median(service_cpu):.3f} s",
    )
    report(
        "POST /api/v1/messages, 10,000 recipients (median)",
        median(http),
        TARGET_SECONDS,
        "s",
        note=f"{RUNS} runs, min {min(http):.3f} s, max {max(http):.3f} s",
    )


if __name__ == "__main__":
    main()
