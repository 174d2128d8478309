"""create_app(settings): routes, plugins, lifespan — explicit lists, no magic."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Litestar, Request, get
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, Reference, SecurityScheme
from litestar.static_files import create_static_files_router

from communicator.api.audit import audit_log
from communicator.api.auth import AuthController
from communicator.api.conversation import AccountSettingsController, ContactController
from communicator.api.directory import EmployeeController, GroupController, TagController
from communicator.api.directory_transfer import DirectoryTransferController
from communicator.api.errors import EXCEPTION_HANDLERS, JSONRequest, log_unexpected_error
from communicator.api.exports import ExportController
from communicator.api.http_providers import HttpProviderController, http_delivery_report
from communicator.api.inbox import InboxController
from communicator.api.integrations import MailController, WebhookController
from communicator.api.messages import MessageController, ThreadController
from communicator.api.operations import OPS_ROUTES, GatewayController
from communicator.api.operators import operator_counts
from communicator.api.platform import PlatformController
from communicator.api.search import SearchController
from communicator.api.security import (
    OriginGuardMiddleware,
    QueryTextGuardMiddleware,
    SessionAuthMiddleware,
    add_security_headers,
    check_route_scope,
)
from communicator.api.simulator import SimulatorController
from communicator.api.templates import TemplateController
from communicator.api.tokens import TokenController
from communicator.api.users import UserController
from communicator.api.ws import events_socket
from communicator.db.session import Database
from communicator.events import Published, channel_for, prune_events
from communicator.exports.runner import ExportRunner
from communicator.gateway.links import LinkReporter
from communicator.gateway.process import build_gateway, wakeup_channel
from communicator.ingress.smtp import start_smtp_server
from communicator.m2m.endpoint import m2m_api
from communicator.queue.database import DatabaseQueue
from communicator.services.core.actors import Actor
from communicator.services.directory.numbering import (
    configure_reply_operators,
    load_numbering,
    refresh_numbering_forever,
)
from communicator.services.identity.server_secret import load_server_secret
from communicator.services.identity.throttle import build_login_throttle
from communicator.settings import Settings
from communicator.webhooks.sender import run_webhook_sender

log = logging.getLogger(__name__)
FRONTEND_DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"


@get("/health", exclude_from_auth=True, operation_id="health", security=[{}])
async def health(state: State) -> dict[str, str]:
    """200 when the database answers."""
    await state.db.ping()
    return {"status": "ok"}


def _channels_backend(settings: Settings) -> ChannelsBackend:
    """Memory when embedded; Redis pub/sub when scaled out (any api process serves any browser)."""
    if settings.redis_url:
        from redis.asyncio import Redis

        from communicator.pubsub import ResilientRedisBackend

        return ResilientRedisBackend(redis=Redis.from_url(settings.redis_url))
    return MemoryChannelsBackend()


def _publisher(channels: ChannelsPlugin, prefix: str):
    """Publishes committed events on their account's channel."""

    def publish(events: list[Published]) -> None:
        """Hand each event to the channels backend (non-blocking)."""
        for event in events:
            channels.publish(event.data, channels=[channel_for(prefix, event.account_id)])

    return publish


async def _prune_forever(db: Database, keep: int, every_seconds: float = 60.0) -> None:
    """Keep the event log bounded; a browser further behind than `keep` events gets `resync`."""
    while True:
        try:
            await prune_events(db, keep)
        except Exception:
            log.exception("pruning events failed; will retry")
        await asyncio.sleep(every_seconds)


def _lifespan(settings: Settings, db: Database, queue: DatabaseQueue):
    """Start the background tasks (gateway, event pruning) with the app and stop them with it."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        """Run the tasks while the app serves."""
        app.state.server_secret = await load_server_secret(db, settings.secret_key)
        worker = build_gateway(settings, db, queue) if settings.gateway_enabled else None
        app.state.worker = worker
        tasks = [asyncio.create_task(_prune_forever(db, settings.event_retention), name="prune-events")]
        await load_numbering(db)
        tasks.append(asyncio.create_task(refresh_numbering_forever(db), name="numbering"))
        if settings.webhooks_enabled:
            tasks.append(asyncio.create_task(run_webhook_sender(db, settings), name="webhooks"))
        app.state.export_runner = ExportRunner(db, settings)
        tasks.append(asyncio.create_task(app.state.export_runner.run(), name="exports"))
        smtp = await _start_smtp(db, settings)
        if worker:
            await worker.driver.start()
            tasks.append(asyncio.create_task(worker.run(), name="gateway"))
            reporter = LinkReporter(worker, settings.gateway_link_report_seconds)
            tasks.append(asyncio.create_task(reporter.run(), name="gateway-links"))
        # What is loaded by now lives as long as the process: keep the collector from walking it on every full
        # collection (those took up to 290 ms mid-request; docs/threads.md).
        gc.freeze()
        try:
            yield
        finally:
            if smtp:
                smtp.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if worker:
                await worker.driver.stop()
            await app.state.login_throttle.store.close()
            if app.state.get("redis") is not None:  # the readiness probe's client
                await app.state.redis.aclose()
            await db.dispose()

    return lifespan


async def _start_smtp(db: Database, settings: Settings) -> asyncio.Server | None:
    """The e-mail-to-SMS listener on this loop (port 0: off); a port that is taken leaves mail off, loudly."""
    if not settings.smtp_port:
        return None
    try:
        return await start_smtp_server(db, settings)
    except OSError:
        log.exception("the SMTP listener could not start on %s:%s", settings.smtp_host, settings.smtp_port)
        return None


def _route_handlers(settings: Settings) -> list:
    """Every route, and the built web app at / when there is one."""
    handlers: list = [
        health,
        AuthController,
        EmployeeController,
        GroupController,
        MessageController,
        ThreadController,
        SearchController,
        TagController,
        DirectoryTransferController,
        UserController,
        TokenController,
        PlatformController,
        InboxController,
        ContactController,
        AccountSettingsController,
        MailController,
        WebhookController,
        audit_log,
        ExportController,
        events_socket,
        operator_counts,
        HttpProviderController,
        http_delivery_report,
        *OPS_ROUTES,
        GatewayController,
        m2m_api,
        TemplateController,
    ]
    if settings.gateway_driver == "simulator":
        handlers.append(SimulatorController)
    static_dir = Path(settings.static_dir) if settings.static_dir else FRONTEND_DIST
    if static_dir.is_dir():
        handlers.append(
            create_static_files_router(
                path="/",
                directories=[static_dir],
                html_mode=True,
                opt={"exclude_from_auth": True},
                include_in_schema=False,
            )
        )
    return handlers


def _waker(settings: Settings, queue: DatabaseQueue, channels: ChannelsPlugin):
    """What a committed send calls (Database.on_wake): the gateways have new deliveries."""

    def wake_gateways() -> None:
        """Wake this process's worker, and the gateway processes when scaled out."""
        queue.notify()
        if settings.redis_url:
            channels.publish(b"1", [wakeup_channel(settings.channel_prefix)])

    return wake_gateways


def create_app(settings: Settings) -> Litestar:
    """The all-in-one application for these settings."""
    db = Database(settings.database_url)
    queue = DatabaseQueue(db, settings.gateway_lease_seconds)
    configure_reply_operators(settings.reply_operators)
    channels = ChannelsPlugin(
        backend=_channels_backend(settings),
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=settings.ws_max_backlog,
        # Drop the oldest; api/ws.py sees the full queue and closes. Not "backoff": Litestar's unsubscribe then
        # waits forever to put its end marker into a full queue, and the socket's handler never returns.
        subscriber_backlog_strategy="dropleft",
    )
    db.on_commit = _publisher(channels, settings.channel_prefix)
    db.on_wake = _waker(settings, queue, channels)
    return Litestar(
        route_handlers=_route_handlers(settings),
        plugins=[channels],
        middleware=[
            DefineMiddleware(OriginGuardMiddleware, allowed_origins=settings.origins),
            QueryTextGuardMiddleware,
            DefineMiddleware(SessionAuthMiddleware, exclude=["^/schema"]),
        ],
        dependencies={
            "db": Provide(lambda: db, sync_to_thread=False),
            "actor": Provide(_get_actor, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        after_exception=[log_unexpected_error],
        request_class=JSONRequest,
        guards=[check_route_scope],
        before_send=[add_security_headers],
        state=State(
            {
                "settings": settings,
                "db": db,
                "queue": queue,
                "login_throttle": build_login_throttle(settings),
            }
        ),
        lifespan=[_lifespan(settings, db, queue)],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=build_openapi_config(),
    )


def build_openapi_config() -> OpenAPIConfig:
    """The OpenAPI document at /schema (/schema/openapi.json): bearer API tokens or the session cookie (docs/api.md)."""
    schemes: dict[str, SecurityScheme | Reference] = {
        "bearer": SecurityScheme(
            type="http",
            scheme="bearer",
            description="An API token (Authorization: Bearer …), narrowed to its scopes; created under «API-токены».",
        ),
        "session": SecurityScheme(
            type="apiKey",
            name="communicator_session",
            security_scheme_in="cookie",
            description="The web app's session cookie, set by POST /api/v1/auth/login.",
        ),
    }
    return OpenAPIConfig(
        title="Communicator",
        version="1",
        path="/schema",
        components=Components(security_schemes=schemes),
        security=[{"bearer": []}, {"session": []}],
    )


def _get_actor(request: Request) -> Actor:
    """The authenticated caller."""
    return request.user
