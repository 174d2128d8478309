"""Shared fixtures: real SQLite and PostgreSQL databases, a demo account, a live server.

The suite runs under pytest-xdist (`make test`: one file per worker); everything here is per worker process
or per test, never a fixed name, path or port (docs/testing.md).
"""

from __future__ import annotations

import asyncio
import atexit
import fcntl
import functools
import os
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
import uvicorn

from communicator.db.migrate import upgrade
from communicator.db.session import Database
from communicator.services.core.actors import Actor
from communicator.services.demo import seed_demo
from communicator.settings import Settings, load_settings
from communicator.wsdeflate import LeanWebSocketProtocol

PG_ADMIN_DSN = os.environ.get("COMMUNICATOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "demo-password"
API = "/api/v1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "heavy: a module that takes long altogether (> ~20 s); the suite starts heavy modules first"
    )
    config.addinivalue_line(
        "markers", "exclusive: measures time; under xdist no other test runs meanwhile (a lock shared by the workers)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heavy modules first (order kept otherwise): xdist hands out whole files in this order, so none is left last."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.fixture(autouse=True)
def _exclusive_under_xdist(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test holds the run's lock shared; an `exclusive` test holds it alone (no lock without xdist)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    run = tmp_path_factory.getbasetemp().parent  # the controller's temp folder: one per run, shared by the workers
    mode = fcntl.LOCK_EX if request.node.get_closest_marker("exclusive") else fcntl.LOCK_SH
    with open(run / "tests.lock", "a") as lock, open(run / "tests.turnstile", "a") as turnstile:
        # Through the turnstile: a waiting exclusive test holds it, so new shared holders queue behind it.
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(lock, mode)
        fcntl.flock(turnstile, fcntl.LOCK_UN)
        yield


async def _pg_admin(statement: str) -> None:
    """Run one statement as the PostgreSQL administrator."""
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _pg_create(name: str, template: str | None = None) -> None:
    """Create a throwaway PostgreSQL database (a copy of `template` if given)."""
    await _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


async def _pg_drop(name: str) -> None:
    """Drop a throwaway PostgreSQL database."""
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(name: str) -> str:
    """The SQLAlchemy URL of a database on the test PostgreSQL."""
    return PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"


@functools.cache
def _templates() -> Path:
    """This process's folder of migrated (and seeded) SQLite files to copy, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="communicator-templates-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def _migrated_sqlite() -> Path:
    """A SQLite file migrated to head once per process (migrating costs ~0.5 s; a copy is instant)."""
    path = _templates() / "migrated.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@functools.cache
def _seeded_sqlite() -> Path:
    """The migrated SQLite file with the demo account seeded, once per process (seeding costs ~1 s)."""
    path = _templates() / "seeded.db"
    shutil.copy(_migrated_sqlite(), path)
    asyncio.run(_seed_demo(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database file (a copy of one migrated once per worker)."""
    path = tmp_path / "test.db"
    shutil.copy(_migrated_sqlite(), path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per worker, closed to connections so it can be copied."""
    name = f"communicator_template_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_create(name))
    upgrade(_pg_url(name))
    asyncio.run(_pg_admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
    yield name
    asyncio.run(_pg_drop(name))


@pytest.fixture
def postgres_url(_postgres_template: str) -> Iterator[str]:
    """A migrated PostgreSQL database (a copy of the worker's template), dropped afterwards."""
    name = f"communicator_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_create(name, template=_postgres_template))
    yield _pg_url(name)
    asyncio.run(_pg_drop(name))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each service test runs on both SQLite and PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A Database that records published events in `db.published`."""
    database = Database(database_url)
    database.published = []  # type: ignore[attr-defined]
    database.on_commit = database.published.extend  # type: ignore[attr-defined]
    yield database
    await database.dispose()


@pytest.fixture
async def admin(db: Database) -> Actor:
    """The demo account's administrator (the demo data: 20 employees, 3 groups)."""
    await seed_demo(db, DEMO_PASSWORD)
    from sqlalchemy import select

    from communicator.db.models import User

    async with db.read() as session:
        user = (await session.execute(select(User).where(User.login == "admin"))).scalar_one()
    return Actor(user.id, user.account_id, user.role, user.login, user.name)


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The real app under uvicorn in a background thread, on a listening socket bound here (no port race)."""

    def __init__(self, settings: Settings, send_buffer: int | None = None) -> None:
        from communicator.app import create_app

        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if send_buffer is not None:  # accepted connections inherit it: a client that stops reading blocks sends soon
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        # The port it really listens on, so the derived public origin is the one browsers use.
        self.settings = settings = msgspec.structs.replace(settings, port=self.port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", ws=LeanWebSocketProtocol, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self) -> LiveServer:
        """Start and wait until it accepts requests."""
        self.thread.start()
        for _ in range(400):
            if self.server.started:
                return self
            self.thread.join(0.025)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        """Stop and wait for shutdown."""
        self.server.should_exit = True
        self.thread.join(10)


def make_server(url: str, send_buffer: int | None = None, **overrides: object) -> LiveServer:
    """A started live server on a migrated database seeded with the demo account."""
    # No SMTP listener unless a test asks for one: servers side by side would fight over one port.
    overrides = {"smtp_port": 0, "webhook_allow_private": True, **overrides}  # test receivers listen on loopback
    settings = load_settings({}, database_url=url, sim_dlr_delay_ms=20.0, sim_submit_latency_ms=1.0, **overrides)
    asyncio.run(seed(url))
    return LiveServer(settings, send_buffer).start()


async def seed(url: str) -> None:
    """Seed the demo account into the database at `url` (an untouched copy of the template becomes the seeded one)."""
    path = Path(url.removeprefix("sqlite+aiosqlite:///"))
    # In a thread: making the templates runs alembic, which runs its own event loop.
    if url.startswith("sqlite+aiosqlite:///") and await asyncio.to_thread(_untouched, path):
        await asyncio.to_thread(shutil.copy, await asyncio.to_thread(_seeded_sqlite), path)
        return
    await _seed_demo(url)


def _untouched(path: Path) -> bool:
    """Whether the SQLite file is byte for byte the migrated template (no -wal: nothing written since)."""
    wal = path.with_name(path.name + "-wal")
    if not path.is_file() or (wal.exists() and wal.stat().st_size):
        return False
    return path.read_bytes() == _migrated_sqlite().read_bytes()


async def _seed_demo(url: str) -> None:
    """Seed the demo account through the real action."""
    db = Database(url)
    try:
        await seed_demo(db, DEMO_PASSWORD)
    finally:
        await db.dispose()


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    """A live all-in-one server on SQLite with the demo account."""
    live = make_server(sqlite_url)
    yield live
    live.stop()


async def login(client: httpx.AsyncClient, name: str = "admin", password: str = DEMO_PASSWORD) -> dict:
    """Log the client in (its cookie jar keeps the session); returns the user."""
    response = await client.post(f"{API}/auth/login", json={"login": name, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client logged in as the demo admin."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http)
        yield http


@pytest.fixture
async def server_db(server: LiveServer) -> AsyncIterator[Database]:
    """The live server's database, opened from the test to check what was (not) stored."""
    database = Database(server.settings.database_url)
    yield database
    await database.dispose()
