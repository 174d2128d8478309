"""Two `communicator gateway` processes on one PostgreSQL database drain 10,000 deliveries at ≥ 3,000/s together.

Each gateway runs the simulator driver with a high TPS (the SMSC is not the limit here; the queue and the
database are). The bench commits one send to 10,000 recipients straight into the database; the gateways find
it by polling every 50 ms (as in bench_drain.py). The clock starts when the commit returns. Every 20 ms the bench
counts the deliveries not yet Sent, then those not yet Delivered, until none are left. It prints the CPU per delivery
of the gateways, of the database's PostgreSQL backends and of itself, and how many delivery.updated events there were.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
from _common import TempPostgres, info, report, seed_account, seed_big_group
from sqlalchemy import func, select, text

from communicator.db.models import Delivery, Event
from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.messaging.send import send_message

RECIPIENTS = int(os.environ.get("COMMUNICATOR_BENCH_DRAIN_PG", "10000"))
GATEWAYS = 2
TARGET_PER_SECOND = 3_000.0
GIVE_UP_SECONDS = 120.0
REDIS_URL = os.environ.get("COMMUNICATOR_BENCH_REDIS", "redis://127.0.0.1:6379/0")
SIMULATOR = {
    "SIM_TPS": "100000",
    "SIM_SUBMIT_LATENCY_MS": "5",
    "SIM_DLR_DELAY_MS": "50",
    "RELAY_INTERVAL_SECONDS": "0.05",
}


def _start_gateways(url: str, prefix: str) -> list[subprocess.Popen[bytes]]:
    """The gateway processes, each in its own session."""
    env = {**os.environ, "COMMUNICATOR_DATABASE_URL": url, "COMMUNICATOR_REDIS_URL": REDIS_URL}
    env |= {"COMMUNICATOR_CHANNEL_PREFIX": prefix, **{f"COMMUNICATOR_{k}": v for k, v in SIMULATOR.items()}}
    command = [sys.executable, "-m", "communicator.cli", "gateway"]
    return [subprocess.Popen(command, env=env, start_new_session=True) for _ in range(GATEWAYS)]


async def _wait_reporting(db: Database) -> None:
    """Until both gateways have recorded their links (they are up and polling)."""
    from communicator.db.models import GatewayLink

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        async with db.read() as session:
            if (await session.scalar(select(func.count(func.distinct(GatewayLink.process))))) >= GATEWAYS:
                return
        await asyncio.sleep(0.2)
    raise RuntimeError("the gateways did not start within 180 s")


async def _counts(db: Database) -> dict[str, int]:
    """Deliveries per status."""
    async with db.read() as session:
        rows = (await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all()
    return {str(status): count for status, count in rows}


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU time of the gateway processes so far."""
    return sum(sum(p.cpu_times()[:2]) for p in processes)


async def _backend_pids(db: Database) -> list[int]:
    """The PostgreSQL backends connected to the bench's database (the gateways' pools and the bench's own)."""
    async with db.read() as session:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return list((await session.scalars(query)).all())


class PostgresCpu:
    """CPU time of the database's backends, and of every PostgreSQL process (a shared server: others' work too)."""

    def __init__(self) -> None:
        self.start: dict[int, float] = {}
        self.backends: set[int] = set()

    @staticmethod
    def _times() -> dict[int, float]:
        """User + system seconds of each live postgres process, and the postmaster's reaped children (pid 0)."""
        times: dict[int, float] = {}
        for process in psutil.process_iter(["name", "cpu_times"]):
            if process.info["name"] == "postgres" and process.info["cpu_times"] is not None:
                cpu = process.info["cpu_times"]
                times[process.pid] = cpu.user + cpu.system
                if process.ppid() == 1 or process.parent() is None or process.parent().name() != "postgres":
                    times[0] = times.get(0, 0.0) + cpu.children_user + cpu.children_system
        return times

    def begin(self, backends: list[int]) -> None:
        """Start counting (the backends seen now are the database's)."""
        self.start = self._times()
        self.backends = set(backends)

    def end(self, backends: list[int]) -> tuple[float, float]:
        """Seconds used since begin: by the database's backends, by all postgres processes."""
        now = self._times()
        self.backends |= set(backends)
        used = {pid: seconds - self.start.get(pid, 0.0) for pid, seconds in now.items()}
        return sum(used.get(pid, 0.0) for pid in self.backends), sum(used.values())


async def _count_in(db: Database, statuses: tuple[str, ...]) -> int:
    """How many deliveries are in these statuses (the queue index's leading column: only those rows are read)."""
    async with db.read() as session:
        return await session.scalar(select(func.count()).where(Delivery.status.in_(statuses))) or 0


async def _watch(db: Database, started: float) -> tuple[float | None, float | None, dict[str, int]]:
    """Seconds from `started` until all are Sent (or later) and until all are Delivered.

    Each poll counts only the rows not there yet, so a poll costs the database little once most have moved
    (counting all 10,000 every 20 ms cost PostgreSQL ~1.4 ms a poll, ~20 µs per delivery); a count of zero is
    confirmed by the counts per status.
    """
    all_sent = all_delivered = None
    counts: dict[str, int] = {}
    while time.monotonic() - started < GIVE_UP_SECONDS:
        waiting = ("Pending", "Sending") if all_sent is None else ("Pending", "Sending", "Sent")
        if not await _count_in(db, waiting):
            counts = await _counts(db)
            now = time.monotonic() - started
            if all_sent is None and counts.get("Sent", 0) + counts.get("Delivered", 0) >= RECIPIENTS:
                all_sent = now
                continue
            if counts.get("Delivered", 0) >= RECIPIENTS:
                all_delivered = now
                break
        await asyncio.sleep(0.02)
    return all_sent, all_delivered, counts or await _counts(db)


async def _drain(
    url: str, actor, group_id: int, gateways: list[psutil.Process]
) -> tuple[float | None, float | None, dict[str, int]]:
    """Commit the send, wake the gateways, watch until all are Sent and all Delivered."""
    db = Database(url)
    try:
        await _wait_reporting(db)
        postgres = PostgresCpu()
        backends = await _backend_pids(db)
        message = MessageCreate(text="Проверка связи", recipients=Recipients(groups=[group_id]), confirmed=True)
        await send_message(db, actor, message)
        started = time.monotonic()
        postgres.begin(backends)  # the drain's CPU, not the send's
        cpu, own = _cpu_seconds(gateways), time.process_time()
        all_sent, all_delivered, counts = await _watch(db, started)
        cpu, own = _cpu_seconds(gateways) - cpu, time.process_time() - own
        ours, everything = postgres.end(await _backend_pids(db))
        for who, seconds in (("gateways'", cpu), ("bench's own", own), ("database's backends'", ours)):
            info(f"{who} CPU for the drain: {seconds:.2f} s, {seconds / RECIPIENTS * 1e6:.0f} µs per delivery")
        info(f"all postgres processes' CPU (shared server): {everything / RECIPIENTS * 1e6:.0f} µs per delivery")
        async with db.read() as session:
            events = await session.scalar(select(func.count()).where(Event.type == "delivery.updated"))
        info(f"delivery.updated events recorded: {events}")
        return all_sent, all_delivered, counts
    finally:
        await db.dispose()


def main() -> None:
    """Seed, start two gateways, drain, report."""
    print(f"bench_drain_pg: {RECIPIENTS:,} deliveries, {GATEWAYS} gateway processes on PostgreSQL", flush=True)
    with TempPostgres() as temp:
        actor = asyncio.run(seed_account(temp.url))
        group_id, _ = asyncio.run(seed_big_group(temp.url, actor.account_id, RECIPIENTS))
        gateways = _start_gateways(temp.url, f"bench-{uuid.uuid4().hex[:8]}")
        try:
            cpus = [psutil.Process(g.pid) for g in gateways]
            all_sent, all_delivered, counts = asyncio.run(_drain(temp.url, actor, group_id, cpus))
            info(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        finally:
            for gateway in gateways:
                os.killpg(gateway.pid, signal.SIGTERM)
            for gateway in gateways:
                gateway.wait(30)
    for label, seconds in (("Sent", all_sent), ("Delivered", all_delivered)):
        figure = RECIPIENTS / seconds if seconds else 0.0
        note = f"{RECIPIENTS:,} in {seconds:.2f} s" if seconds else f"gave up after {GIVE_UP_SECONDS:.0f} s: {counts}"
        report(
            f"2 gateways on PostgreSQL → all {label}",
            figure,
            TARGET_PER_SECOND,
            "deliveries/s",
            higher_is_better=True,
            note=note,
        )


if __name__ == "__main__":
    main()
