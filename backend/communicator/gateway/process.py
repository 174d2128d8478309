"""Building the gateway, and `communicator gateway`: the worker as its own process (scale-out)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading

from communicator.db.session import Database
from communicator.events import Published, channel_for
from communicator.gateway.drivers import Driver
from communicator.gateway.drivers.simulator import SimulatorDriver
from communicator.gateway.drivers.smpp import SmppDriver
from communicator.gateway.links import LinkReporter, serve_probes
from communicator.gateway.smpp.session import BindConfig
from communicator.gateway.worker import GatewayWorker
from communicator.queue.database import DatabaseQueue
from communicator.services.identity.server_secret import load_server_secret
from communicator.services.operations.smpp_binds import SmppBindConfig, list_enabled_binds
from communicator.settings import Settings
from communicator.webhooks.sender import run_webhook_sender

log = logging.getLogger(__name__)


def wakeup_channel(prefix: str) -> str:
    """The channel api processes use to wake gateway processes."""
    return f"{prefix}:gateway:wakeup"


def build_driver(settings: Settings, db: Database) -> Driver:
    """The driver COMMUNICATOR_GATEWAY_DRIVER names (simulator, smpp, http), configured from settings."""
    if settings.gateway_driver == "smpp":
        return build_smpp_driver(settings, db)
    if settings.gateway_driver == "http":
        from communicator.gateway.drivers.http import HttpDriver

        return HttpDriver(db, tps=settings.http_tps, timeout_seconds=settings.http_timeout_seconds)
    if settings.gateway_driver != "simulator":
        raise SystemExit(
            f"Unknown COMMUNICATOR_GATEWAY_DRIVER {settings.gateway_driver!r}: use 'simulator', 'smpp' or 'http'"
        )
    return SimulatorDriver(
        db,
        tps=settings.sim_tps,
        submit_latency_ms=settings.sim_submit_latency_ms,
        dlr_delay_ms=settings.sim_dlr_delay_ms,
        failure_rate=settings.sim_failure_rate,
        log_path=settings.sim_log_path,
        auto_reply_rate=settings.sim_auto_reply_rate,
    )


def build_smpp_driver(settings: Settings, db: Database) -> SmppDriver:
    """The SMPP driver: the one bind COMMUNICATOR_SMPP_* describe (if any), and the smpp_binds table's."""
    binds = []
    if settings.smpp_system_id:
        binds.append(
            BindConfig(
                host=settings.smpp_host,
                port=settings.smpp_port,
                system_id=settings.smpp_system_id,
                password=settings.smpp_password,
                system_type=settings.smpp_system_type,
                window=settings.smpp_window,
                enquire_link_seconds=settings.smpp_enquire_link_seconds,
                response_timeout=settings.smpp_response_timeout_seconds,
            )
        )
    else:
        log.warning("COMMUNICATOR_SMPP_SYSTEM_ID is not set: only the binds added on the «Шлюз» page are used")
    secret: list[bytes] = []

    async def load_binds() -> list[SmppBindConfig]:
        """The enabled binds of the table (the server secret, read once, opens their passwords)."""
        if not secret:
            secret.append(await load_server_secret(db, settings.secret_key))
        return await list_enabled_binds(db, secret[0])

    return SmppDriver(
        db,
        binds,
        tps=settings.smpp_tps,
        source_addr=settings.smpp_source_addr,
        retries=settings.smpp_retries,
        load_binds=load_binds,
        reload_seconds=settings.smpp_binds_reload_seconds,
        enquire_link_seconds=settings.smpp_enquire_link_seconds,
        response_timeout=settings.smpp_response_timeout_seconds,
    )


def build_gateway(settings: Settings, db: Database, queue: DatabaseQueue) -> GatewayWorker:
    """A gateway worker with the configured driver."""
    driver = build_driver(settings, db)
    return GatewayWorker(db, queue, driver, settings.gateway_batch, settings.relay_interval_seconds)


async def run_gateway(settings: Settings) -> None:
    """Run a gateway worker that publishes its events and hears wake-ups through Redis."""
    from redis.asyncio import Redis

    from communicator.pubsub import ResilientRedisBackend

    if not settings.redis_url:
        raise SystemExit("communicator gateway runs beside api processes: set COMMUNICATOR_REDIS_URL")
    backend = ResilientRedisBackend(redis=Redis.from_url(settings.redis_url))
    await backend.on_startup()
    db = Database(settings.database_url)
    outbox: asyncio.Queue[Published] = asyncio.Queue()

    def enqueue(events: list[Published]) -> None:
        """Hand committed events to the publishing task."""
        for event in events:
            outbox.put_nowait(event)

    db.on_commit = enqueue
    queue = DatabaseQueue(db, settings.gateway_lease_seconds)
    worker = build_gateway(settings, db, queue)
    await backend.subscribe([wakeup_channel(settings.channel_prefix)])
    _stop_on_signals()
    await worker.driver.start()
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(_publish_forever(backend, outbox, settings.channel_prefix))
            tasks.create_task(_wake_on_message(backend, queue))
            tasks.create_task(worker.run())
            if settings.webhooks_enabled:
                tasks.create_task(run_webhook_sender(db, settings))
            tasks.create_task(LinkReporter(worker, settings.gateway_link_report_seconds).run())
            if settings.gateway_http_port:
                tasks.create_task(serve_probes(settings, db, worker))
    finally:
        await worker.driver.stop()
        await backend.on_shutdown()
        await db.dispose()


STOP_GRACE_SECONDS = 10.0


def _stop_on_signals() -> None:
    """SIGTERM (docker stop) and SIGINT cancel the gateway, so it stops cleanly and reports its links down."""
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    assert task is not None

    def stop() -> None:
        """Cancel the gateway; if it has not finished after the grace period, log what waits and exit anyway."""
        task.cancel()
        watchdog = threading.Timer(STOP_GRACE_SECONDS, _exit_now, (loop,))
        watchdog.daemon = True  # a clean stop exits without waiting for it
        watchdog.start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)


def _exit_now(loop: asyncio.AbstractEventLoop) -> None:
    """The clean stop hung: say where, then exit (a stuck gateway must not keep holding its leases)."""
    for pending in asyncio.all_tasks(loop):
        log.error("gateway did not stop in time; still waiting: %r", pending)
    os._exit(1)


async def _publish_forever(backend, outbox: asyncio.Queue[Published], prefix: str) -> None:
    """Send committed events to the browsers' channels."""
    while True:
        event = await outbox.get()
        await backend.publish(event.data, [channel_for(prefix, event.account_id)])


async def _wake_on_message(backend, queue: DatabaseQueue) -> None:
    """An api process accepted deliveries: look at the queue now rather than at the next poll."""
    async for _channel, _data in backend.stream_events():
        queue.notify()
