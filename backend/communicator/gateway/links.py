"""The gateway's link reporter: writes its driver's link states into gateway_links for api processes to read."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from communicator.db.session import Database
from communicator.gateway.worker import GatewayWorker
from communicator.schemas import GatewayLinkRead
from communicator.services.operations.links import record_link_states
from communicator.settings import Settings

log = logging.getLogger(__name__)


def process_name() -> str:
    """This process as the «Шлюз» page names it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LinkReporter:
    """Every `interval` seconds, record the driver's links with the rate sent since the last report."""

    def __init__(self, worker: GatewayWorker, interval: float, process: str | None = None) -> None:
        self.worker = worker
        self.interval = interval
        self.process = process or process_name()
        self._last = (time.monotonic(), worker.submitted)

    def _links(self, stopped: bool = False) -> list[GatewayLinkRead]:
        """The driver's links now, each with its share of the rate this process sent since the last report."""
        now, submitted = time.monotonic(), self.worker.submitted
        rate = (submitted - self._last[1]) / max(now - self._last[0], 1e-3)
        self._last = (now, submitted)
        states = self.worker.driver.link_states()
        bound = sum(1 for state in states if state.status == "bound") or 1
        return [
            GatewayLinkRead(
                process=self.process,
                name=state.name,
                status="down" if stopped else state.status,
                since=datetime.now(UTC) if stopped else state.since,
                last_error="the gateway process stopped" if stopped else state.last_error,
                tps_allowed=state.tps_allowed,
                current_rate=0.0 if stopped or state.status != "bound" else round(rate / bound, 1),
                updated_at=datetime.now(UTC),
                stale=False,
            )
            for state in states
        ]

    async def report(self, stopped: bool = False) -> None:
        """Record the links once; a database that does not answer is logged and tried again next time."""
        try:
            await record_link_states(self.worker.db, self.process, self._links(stopped))
        except Exception as error:  # noqa: BLE001 - the database is down: the page shows this process stale, which is true
            log.warning("could not record the gateway's link states: %s", error)

    async def run(self) -> None:
        """Report until cancelled, then once more as stopped."""
        try:
            while True:
                await self.report()
                await asyncio.sleep(self.interval)
        finally:
            # A clean stop says so at once instead of waiting to go stale; a dead database must not hold the exit.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(3):
                    await self.report(stopped=True)


async def serve_probes(settings: Settings, db: Database, worker: GatewayWorker) -> None:
    """/health/live, /health/ready and /metrics of a gateway process, on settings.gateway_http_port."""
    import uvicorn
    from litestar import Litestar
    from litestar.datastructures import State

    from communicator.api.operations import OPS_ROUTES

    class ProbeServer(uvicorn.Server):
        """uvicorn without its own signal handling: the gateway process stops it by cancelling."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            """Leave SIGTERM to the gateway."""
            yield

    app = Litestar(route_handlers=OPS_ROUTES, state=State({"settings": settings, "db": db, "worker": worker}))
    config = uvicorn.Config(app, host=settings.host, port=settings.gateway_http_port, log_config=None, lifespan="off")
    await ProbeServer(config).serve()
