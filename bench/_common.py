"""Shared bench plumbing: a temp SQLite database, bulk seeding, a server subprocess, result lines."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from communicator.db.migrate import upgrade
from communicator.db.models import Employee, Group, GroupMember, User
from communicator.db.session import Database
from communicator.services.core.actors import Actor
from communicator.services.demo import seed_demo

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password"
RESULT_PREFIX = "BENCH-RESULT "


PG_ADMIN_DSN = os.environ.get("COMMUNICATOR_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


class TempDatabase:
    """A migrated SQLite file in a temp folder, removed on exit."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="communicator-bench-"))
        self.url = f"sqlite+aiosqlite:///{self.dir / 'bench.db'}"

    def __enter__(self) -> TempDatabase:
        try:
            upgrade(self.url)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class TempPostgres:
    """A migrated, uniquely named PostgreSQL database (COMMUNICATOR_BENCH_PG), dropped on exit."""

    def __init__(self) -> None:
        self.name = f"communicator_bench_{os.getpid()}_{int(time.time())}"
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        self.url = f"{base}/{self.name}"

    async def _admin(self, statement: str) -> None:
        """Run one statement on the admin database."""
        import asyncpg

        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    def __enter__(self) -> TempPostgres:
        asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))
        try:
            upgrade(self.url)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


async def seed_account(url: str) -> Actor:
    """The demo account (admin / PASSWORD, 20 employees, 3 groups); returns its admin."""
    db = Database(url)
    try:
        await seed_demo(db, PASSWORD)
        async with db.read() as session:
            user = (await session.execute(select(User).where(User.login == "admin"))).scalar_one()
        return Actor(user.id, user.account_id, user.role, user.login, user.name)
    finally:
        await db.dispose()


async def seed_big_group(
    url: str, account_id: int, size: int, name: str = "Все 10000", prefix: str = "+7926"
) -> tuple[int, list[int]]:
    """`size` employees (phones `prefix`…) in one new group, bulk-inserted; returns the group id and employee ids."""
    db = Database(url)
    try:
        async with db.write() as session:
            await session.execute(
                insert(Employee),
                [
                    {
                        "account_id": account_id,
                        "name": f"Сотрудник {i:05}",
                        "phone": f"{prefix}{5_000_000 + i:07}",
                        "operator": "MTS",
                        "active": True,
                    }
                    for i in range(size)
                ],
            )
            ids = list(
                (
                    await session.execute(
                        select(Employee.id).where(Employee.phone.like(f"{prefix}%")).order_by(Employee.id)
                    )
                ).scalars()
            )
            group_id = (
                await session.execute(
                    insert(Group).values(account_id=account_id, name=name, color="#555555").returning(Group.id)
                )
            ).scalar_one()
            await session.execute(insert(GroupMember), [{"group_id": group_id, "employee_id": e} for e in ids])
        return group_id, ids
    finally:
        await db.dispose()


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`communicator serve` in its own process (own event loop, own CPU) on a loopback port."""

    def __init__(self, database_url: str, command: str = "serve", **settings: object) -> None:
        self.command = command  # "api" for an api process of a scale-out (no gateway)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "COMMUNICATOR_DATABASE_URL": database_url,
            "COMMUNICATOR_SECRET_KEY": "bench-secret",
            "PYTHONUNBUFFERED": "1",
        }
        for key, value in settings.items():
            self.env[f"COMMUNICATOR_{key.upper()}"] = str(int(value) if isinstance(value, bool) else value)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # the server's stderr: a pipe nobody reads could fill and stall it

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "communicator.cli", self.command, "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 180  # a shared, busy machine can take a minute to import the app
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"server exited: {self.log.read().decode(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1, trust_env=False).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("server did not start within 180 s")

    def __exit__(self, *_: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid


def login_cookie(server_url: str) -> str:
    """Log in as the admin; returns the session cookie value."""
    response = httpx.post(
        f"{server_url}/api/v1/auth/login",
        json={"login": "admin", "password": PASSWORD},
        headers={"Origin": server_url},
        timeout=30,
        trust_env=False,
    )
    response.raise_for_status()
    return response.cookies["communicator_session"]


async def open_sockets(
    server: ServerProcess, cookie: str, count: int, *, compression: str | None = "deflate", concurrency: int = 50
) -> list:
    """`count` authenticated WebSocket connections to /ws, opened `concurrency` at a time."""
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(concurrency)

    async def one() -> object:
        async with gate:
            return await connect(
                f"ws://{server.host}/ws",
                origin=server.url,  # type: ignore[arg-type]
                additional_headers={"Cookie": f"communicator_session={cookie}"},
                compression=compression,
                proxy=None,
                open_timeout=60,
                ping_interval=None,
            )

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def close_sockets(sockets: Sequence) -> None:
    """Close the connections."""
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's open-file limit (children inherit it); returns the new soft limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


def percentile(samples: Sequence[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of the samples."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    """The median of the samples."""
    return statistics.median(samples)


def report(
    name: str, figure: float, target: float, unit: str, higher_is_better: bool = False, note: str = ""
) -> dict[str, object]:
    """Print one figure against its target, human line and a machine line for run_all."""
    ok = figure >= target if higher_is_better else figure <= target
    sign = "≥" if higher_is_better else "≤"
    result = {
        "name": name,
        "figure": round(figure, 3),
        "target": target,
        "unit": unit,
        "op": sign,
        "pass": ok,
        "note": note,
    }
    print(
        f"  {name}: {figure:,.2f} {unit} (target {sign} {target:,g} {unit}) {'PASS' if ok else 'MISS'}"
        + (f" — {note}" if note else ""),
        flush=True,
    )
    print(RESULT_PREFIX + json.dumps(result, ensure_ascii=False), flush=True)
    return result


def info(text: str) -> None:
    """A progress line."""
    print(f"  · {text}", flush=True)
