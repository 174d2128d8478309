"""The command line: db upgrade, user add, and serve --demo printing its URL and login."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from communicator.db.models import Account
from communicator.db.session import Database
from communicator.services.identity.auth import open_session
from tests.conftest import free_port


def _run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMMUNICATOR_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "communicator.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_db_upgrade_then_user_add(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    assert _run(url, "db", "upgrade").returncode == 0
    added = _run(
        url,
        "user",
        "add",
        "--login",
        "dispatcher",
        "--password",
        "s3cret-pass",
        "--role",
        "Operator",
        "--account",
        "ООО Ромашка",
    )
    assert added.returncode == 0, added.stderr
    assert "dispatcher" in added.stdout
    again = _run(url, "user", "add", "--login", "dispatcher", "--password", "x", "--account", "ООО Ромашка")
    assert again.returncode != 0 and "taken" in again.stderr

    async def check() -> None:
        db = Database(url)
        try:
            _, actor = await open_session(db, "dispatcher", "s3cret-pass")
            assert actor.role == "Operator"
        finally:
            await db.dispose()

    asyncio.run(check())


def test_account_add_and_platform_admin(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    added = _run(
        url,
        *("account", "add", "--name", "ООО Ромашка", "--short-number", "5001", "--sender-name", "ROMASHKA"),
        *("--admin-login", "boss", "--admin-password", "boss-password"),
    )
    assert added.returncode == 0, added.stderr
    assert "Ромашка" in added.stdout and "5001" in added.stdout
    taken = _run(url, "account", "add", "--name", "Дубль", "--short-number", "5002", "--admin-login", "boss",
                 "--admin-password", "boss-password")  # fmt: skip
    assert taken.returncode == 1 and "taken" in taken.stderr and "Traceback" not in taken.stderr
    invalid = _run(url, "account", "add", "--name", "X", "--short-number", "50-01", "--admin-login", "x",
                   "--admin-password", "boss-password")  # fmt: skip
    assert invalid.returncode == 1 and "short_number" in invalid.stderr
    root = _run(url, "user", "add", "--login", "root", "--password", "root-password", "--platform-admin")
    assert root.returncode == 0 and "platform admin" in root.stdout

    async def check() -> None:
        db = Database(url)
        try:
            _, boss = await open_session(db, "boss", "boss-password")
            _, platform = await open_session(db, "root", "root-password")
            async with db.read() as session:
                names = list(await session.scalars(select(Account.name).order_by(Account.id)))
        finally:
            await db.dispose()
        assert boss.role == "Administrator" and not boss.platform_admin and platform.platform_admin
        assert names == ["ООО Ромашка", "Default"]  # the failed adds left nothing behind

    asyncio.run(check())


def test_serve_demo_prints_a_working_url_and_login(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "COMMUNICATOR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"}
    env.pop("COMMUNICATOR_DEMO_PASSWORD", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "communicator.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = server.stdout.readline()  # blocks until the banner (or EOF if it died)
        assert f"http://127.0.0.1:{port}/" in line and "login: admin / " in line, line
        password = line.rsplit("admin / ", 1)[1].strip()
        response = _post_when_up(f"http://127.0.0.1:{port}/api/v1/auth/login", {"login": "admin", "password": password})
        assert response.status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


def _post_when_up(url: str, body: dict, timeout: float = 20.0) -> httpx.Response:
    """POST once the server accepts connections (polled until the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.post(url, json=body)
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
