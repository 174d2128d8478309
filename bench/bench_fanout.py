"""Fan-out accept: one send to a 10,000-member group in ≤ 0.3 s, to 100,000 in ≤ 2 s (SQLite).

Times the service call `send_message` in-process, then the full HTTP POST /api/v1/messages against a
server subprocess, with the gateway off so only the accept is measured. Median of RUNS after a warm-up.
The 100,000-recipient send is timed over HTTP, with the server's memory before and after: the answer
carries one page of deliveries, so neither the answer nor the server grows with the recipients.
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
BIG = 100_000
RUNS = 5
BIG_RUNS = 2
TARGET_SECONDS = 0.3
BIG_TARGET_SECONDS = 2.0
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
    data = MessageCreate(text=TEXT, recipients=Recipients(groups=[group_id]), confirmed=True)
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


def _post(client: httpx.Client, group_id: int, total: int) -> tuple[float, int]:
    """One send to the group over HTTP; its wall time and answer size."""
    started = time.perf_counter()
    response = client.post(
        "/api/v1/messages", json={"text": TEXT, "recipients": {"groups": [group_id]}, "confirmed": True}
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    body = response.json()
    if body["summary"]["counts"] != {"Pending": total}:
        raise AssertionError(f"unexpected summary {body['summary']}")
    return elapsed, len(response.content)


def _time_http(url: str, group_id: int, big_group_id: int) -> tuple[list[float], list[float], float]:
    """Wall times of POST /api/v1/messages to both groups (warm-up first), and the server's RSS growth in MB."""
    times, big_times = [], []
    with ServerProcess(url, gateway_enabled=False) as server:
        cookie = login_cookie(server.url)
        with httpx.Client(
            base_url=server.url, cookies={"communicator_session": cookie}, headers={"Origin": server.url}, timeout=60
        ) as client:
            for run_no in range(RUNS + 1):
                elapsed, size = _post(client, group_id, RECIPIENTS)
                warm = " (warm-up)" if run_no == 0 else ""
                info(f"HTTP run {run_no}{warm}: {elapsed * 1000:.0f} ms, {size / 1e6:.2f} MB response")
                if run_no:
                    times.append(elapsed)
            rss_before = psutil.Process(server.pid).memory_info().rss
            for run_no in range(1, BIG_RUNS + 1):
                elapsed, size = _post(client, big_group_id, BIG)
                info(f"HTTP run {run_no}, {BIG:,} recipients: {elapsed * 1000:.0f} ms, {size / 1e6:.2f} MB response")
                big_times.append(elapsed)
            growth = (psutil.Process(server.pid).memory_info().rss - rss_before) / 1e6
    return times, big_times, growth


async def _seed_and_time_service(url: str) -> tuple[int, tuple[list[float], list[float]]]:
    """Seed the big group (not timed), then time the service; returns the group id and the times."""
    started = time.perf_counter()
    actor = await seed_account(url)
    group_id, _ = await seed_big_group(url, actor.account_id, RECIPIENTS)
    info(f"seeded {RECIPIENTS:,} employees in one group in {time.perf_counter() - started:.1f} s (not timed)")
    return group_id, await _time_service(url, actor, group_id)


async def _seed_big(url: str) -> int:
    """The 100,000-member group (not timed)."""
    started = time.perf_counter()
    actor = await seed_account(url)
    group_id, _ = await seed_big_group(url, actor.account_id, BIG, name="Все 100000", prefix="+7927")
    info(f"seeded {BIG:,} employees in another group in {time.perf_counter() - started:.1f} s (not timed)")
    return group_id


def main() -> None:
    """Seed, time the service, time HTTP, report."""
    print(f"bench_fanout: accept one send to {RECIPIENTS:,} and {BIG:,} recipients (SQLite, gateway off)", flush=True)
    with TempDatabase() as temp:
        group_id, (service, service_cpu) = asyncio.run(_seed_and_time_service(temp.url))
        big_group_id = asyncio.run(_seed_big(temp.url))
        http, big, growth = _time_http(temp.url, group_id, big_group_id)
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
    report(
        "POST /api/v1/messages, 100,000 recipients (slowest)",
        max(big),
        BIG_TARGET_SECONDS,
        "s",
        note=f"{BIG_RUNS} runs, server RSS {growth:+.0f} MB over them",
    )


if __name__ == "__main__":
    main()
