"""Drain: 10,000 Pending deliveries go through the gateway and the simulator at ≥ 5,000 deliveries/s.

A server subprocess runs the real in-process gateway with the simulator driver (high TPS, 5 ms submit
latency, short DLR delay). The bench process commits one send to 10,000 recipients straight into the
database; the clock starts when that commit returns. The gateway finds the rows by polling (every
POLL_SECONDS — a cross-process send cannot wake it), so the figure includes that discovery delay.
The bench watches the deliveries table through its own read-only SQLite connection until every
delivery is Sent, then Delivered.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
from _common import ServerProcess, TempDatabase, info, report, seed_account, seed_big_group

from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.messaging.send import send_message

RECIPIENTS = 10_000
TARGET_PER_SECOND = 5_000.0
POLL_SECONDS = 0.05
GIVE_UP_SECONDS = 90.0
SIMULATOR = {"sim_tps": 100_000, "sim_submit_latency_ms": 5, "sim_dlr_delay_ms": 50, "sim_failure_rate": 0}
SENT_OR_LATER = ("Sent", "Delivered")


async def _seed(url: str):
    """The account and the 10,000-member group (not timed)."""
    actor = await seed_account(url)
    group_id, _ = await seed_big_group(url, actor.account_id, RECIPIENTS)
    return actor, group_id


async def _accept(url: str, actor, group_id: int) -> float:
    """Commit the send; returns the monotonic time right after the commit."""
    db = Database(url)
    try:
        await send_message(
            db, actor, MessageCreate(text="Проверка связи", recipients=Recipients(groups=[group_id]), confirmed=True)
        )
        return time.monotonic()
    finally:
        await db.dispose()


def _counts(reader: sqlite3.Connection) -> dict[str, int]:
    """Deliveries per status."""
    return dict(reader.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())


def _watch(reader: sqlite3.Connection, started: float) -> tuple[float | None, float | None, dict[str, int]]:
    """Seconds from `started` until all are Sent (or later) and until all are Delivered."""
    all_sent = all_delivered = None
    counts: dict[str, int] = {}
    while time.monotonic() - started < GIVE_UP_SECONDS:
        counts = _counts(reader)
        now = time.monotonic() - started
        if all_sent is None and sum(counts.get(s, 0) for s in SENT_OR_LATER) >= RECIPIENTS:
            all_sent = now
            info(f"all {RECIPIENTS:,} Sent (or already Delivered) after {now:.2f} s: {counts}")
        if counts.get("Delivered", 0) >= RECIPIENTS:
            all_delivered = now
            info(f"all {RECIPIENTS:,} Delivered after {now:.2f} s")
            break
        time.sleep(0.01)
    return all_sent, all_delivered, counts


def main() -> None:
    """Seed, start the server with the gateway, commit the send, watch it drain."""
    print(f"bench_drain: {RECIPIENTS:,} deliveries through the simulator ({SIMULATOR})", flush=True)
    with TempDatabase() as temp:
        actor, group_id = asyncio.run(_seed(temp.url))
        reader = sqlite3.connect(f"file:{temp.dir / 'bench.db'}?mode=ro", uri=True)
        try:
            with ServerProcess(
                temp.url, gateway_enabled=True, relay_interval_seconds=POLL_SECONDS, **SIMULATOR
            ) as server:
                cpu = psutil.Process(server.pid)
                cpu_before = sum(cpu.cpu_times()[:2])
                started = asyncio.run(_accept(temp.url, actor, group_id))
                info(f"{RECIPIENTS:,} Pending deliveries committed; gateway draining")
                all_sent, all_delivered, counts = _watch(reader, started)
                cpu_used = sum(cpu.cpu_times()[:2]) - cpu_before
                info(
                    f"server CPU for the drain: {cpu_used:.2f} s ({cpu_used / RECIPIENTS * 1e6:.0f} µs per delivery; "
                    f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
                )
        finally:
            reader.close()
    for label, seconds in (("Sent", all_sent), ("Delivered", all_delivered)):
        if seconds is None:
            done = sum(counts.get(s, 0) for s in (SENT_OR_LATER if label == "Sent" else ("Delivered",)))
            report(
                f"10,000 Pending → all {label}",
                done / GIVE_UP_SECONDS,
                TARGET_PER_SECOND,
                "deliveries/s",
                higher_is_better=True,
                note=f"gave up after {GIVE_UP_SECONDS:.0f} s: {counts}",
            )
        else:
            report(
                f"10,000 Pending → all {label}",
                RECIPIENTS / seconds,
                TARGET_PER_SECOND,
                "deliveries/s",
                higher_is_better=True,
                note=f"{RECIPIENTS:,} in {seconds:.2f} s",
            )


if __name__ == "__main__":
    main()
