"""Private services and the compose.yaml commands started natively, for the scale-out and fault tests.

The machine's PostgreSQL and Redis serve everybody's tests; these tests kill and restart their own instead:
a PostgreSQL cluster made by initdb in a temp folder and a redis-server on a free port.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


def wait_until(check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll `check` until it returns something truthy (exceptions count as not yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := check():
                return result
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


def compose_services() -> dict[str, dict]:
    """compose.yaml's services with the YAML anchors merged (no docker-compose needed)."""
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


class PrivateRedis:
    """A redis-server of this test's own on a free port: killable without touching anyone else's."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        """Start it and wait until it answers."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
        wait_until(
            lambda: (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ),
            10,
            "redis",
        )
        return self

    def kill(self) -> None:
        """kill -9."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (initdb in a temp folder, a free port), run as user postgres."""

    def __init__(self) -> None:
        self.bin = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        self.dir = Path(tempfile.mkdtemp(prefix="communicator-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        """Run a PostgreSQL tool as postgres (root may not run the server)."""
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], capture_output=True, check=check, timeout=60)

    def init(self) -> PrivatePostgres:
        """initdb with trust on loopback, fsync off (throwaway data), then start."""
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self.start()

    def start(self) -> PrivatePostgres:
        """Start (again) on the same port and wait until it answers."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop (fast: disconnects every client, like a restart does; immediate: like a crash)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        """Stop and delete it."""
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Native:
    """One compose.yaml service's command run as a local process, with its environment adapted to loopback."""

    def __init__(self, service: str, env: dict[str, str], port: int | None = None) -> None:
        spec = compose_services()[service]
        command = list(spec["command"])
        if port is not None and "--port" in command:
            command[command.index("--port") + 1] = str(port)
            command[command.index("--host") + 1] = "127.0.0.1"
        self.service = service
        self.port = port
        self.url = f"http://127.0.0.1:{port}" if port else ""
        assert command[0] == "communicator"
        self.command = [sys.executable, "-m", "communicator.cli", *command[1:]]
        self.env = {**os.environ, "COMMUNICATOR_HOST": "127.0.0.1", **env}
        if "COMMUNICATOR_GATEWAY_HTTP_PORT" in spec.get("environment", {}) and port is not None:
            self.env["COMMUNICATOR_GATEWAY_HTTP_PORT"] = str(port)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Native:
        """Start it (in its own session, so a kill reaches only it)."""
        self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        return self

    def run(self, timeout: float = 60) -> None:
        """Run a one-shot command (migrate) to completion; it must succeed."""
        subprocess.run(self.command, env=self.env, check=True, timeout=timeout, capture_output=True)

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /health/ready says 200."""
        wait_until(
            lambda: httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200,
            timeout,
            f"{self.service} ready",
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Send `sig` and wait for it to exit (kill after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def loopback_env(database_url: str, redis_url: str, prefix: str, origins: list[str]) -> dict[str, str]:
    """compose.yaml's shared environment, pointed at this machine's services (its secrets filled in)."""
    spec = compose_services()["api-1"]["environment"]
    env = {key: value for key, value in spec.items() if "${" not in str(value)}
    return {
        **env,
        "COMMUNICATOR_DATABASE_URL": database_url,
        "COMMUNICATOR_REDIS_URL": redis_url,
        "COMMUNICATOR_SECRET_KEY": "test-secret-" + prefix,
        "COMMUNICATOR_PUBLIC_ORIGIN": origins[0],
        "COMMUNICATOR_ALLOWED_ORIGINS": ",".join(origins[1:]),
        "COMMUNICATOR_CHANNEL_PREFIX": prefix,
        "COMMUNICATOR_LOG_FORMAT": "text",
        "COMMUNICATOR_GATEWAY_DRIVER": "simulator",
        "COMMUNICATOR_SIM_DLR_DELAY_MS": "20",
        "COMMUNICATOR_SIM_SUBMIT_LATENCY_MS": "1",
        "COMMUNICATOR_GATEWAY_LINK_REPORT_SECONDS": "0.5",
    }


async def async_wait(check: Callable[[], object], timeout: float, what: str) -> object:
    """wait_until for async checks."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := await check():  # type: ignore[misc]
                return result
        except Exception:  # noqa: BLE001, S110 - not yet
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
