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

from communicator.db.session import Database
from communicator.services.auth import login
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
            _, actor = await login(db, "dispatcher", "s3cret-pass")
            assert actor.role == "Operator"
        finally:
            await db.dispose()

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
