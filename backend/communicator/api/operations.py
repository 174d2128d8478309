"""/health/live, /health/ready, /metrics and the gateway's status (docs/operations.md)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from communicator import metrics
from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas import GatewayAlarmRead, GatewayStatusRead, SmppBindRead, SmppBindWrite
from communicator.services.core.actors import Actor
from communicator.services.operations import smpp_binds
from communicator.services.operations.links import (
    count_queue,
    get_gateway_alarm,
    get_gateway_status,
    list_gateway_links,
)

log = logging.getLogger(__name__)
CHECK_SECONDS = 2.0
PUBLIC = {"exclude_from_auth": True}


def stale_seconds(state: State) -> float:
    """A link whose process has not reported for this long reads as down."""
    return state.settings.gateway_link_report_seconds * 3


@get("/health/live", opt=PUBLIC, operation_id="healthLive", sync_to_thread=False)
def health_live() -> dict[str, str]:
    """200 while the process's event loop answers (restart it otherwise)."""
    return {"status": "ok"}


async def _check(name: str, probe: Any) -> tuple[str, str]:
    """Run one readiness probe with a time limit; its outcome as text."""
    try:
        await asyncio.wait_for(probe, CHECK_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        return name, f"down: {type(error).__name__}: {error}"[:300]
    return name, "ok"


async def _ping_redis(state: State) -> None:
    """Raise unless Redis answers."""
    if state.get("redis") is None:
        from redis.asyncio import Redis

        state.redis = Redis.from_url(state.settings.redis_url, socket_connect_timeout=CHECK_SECONDS)
    await state.redis.ping()


async def _check_smsc(state: State) -> None:
    """Raise unless this process's gateway has a bound link (a process without a gateway does not check)."""
    worker = state.get("worker")
    if worker is not None and not any(link.status == "bound" for link in worker.driver.link_states()):
        raise RuntimeError("no SMSC link is bound")


@get("/health/ready", opt=PUBLIC, operation_id="healthReady")
async def health_ready(state: State) -> Response[dict[str, str]]:
    """200 when the database, Redis (when configured) and, in a gateway process, an SMSC bind are up; else 503."""
    probes = [_check("database", state.db.ping()), _check("smsc", _check_smsc(state))]
    if state.settings.redis_url:
        probes.append(_check("redis", _ping_redis(state)))
    checks = dict(await asyncio.gather(*probes))
    ready = all(outcome == "ok" for outcome in checks.values())
    return Response({"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503)


async def _refresh_gauges(state: State) -> None:
    """Set the gauges that come from the database: queue depth and every process's links."""
    queue = await count_queue(state.db)
    for status, count in queue.items():
        metrics.QUEUE_DEPTH.labels(status).set(count)
    links = await list_gateway_links(state.db, stale_seconds(state))
    for gauge in (metrics.LINK_UP, metrics.LINK_TPS_ALLOWED, metrics.LINK_RATE):
        gauge.clear()
    for link in links:
        metrics.LINK_UP.labels(link.process, link.name).set(1 if link.status == "bound" else 0)
        metrics.LINK_TPS_ALLOWED.labels(link.process, link.name).set(link.tps_allowed)
        metrics.LINK_RATE.labels(link.process, link.name).set(link.current_rate)


@get("/metrics", opt=PUBLIC, operation_id="metrics", include_in_schema=False)
async def metrics_endpoint(state: State) -> Response[bytes]:
    """This process's metrics in Prometheus' text format; database gauges are left as they were if it is down."""
    try:
        await asyncio.wait_for(_refresh_gauges(state), CHECK_SECONDS)
    except Exception as error:  # noqa: BLE001 - the counters are served anyway
        log.warning("metrics: database gauges not refreshed: %s", error)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


class GatewayController(Controller):
    """/api/v1/gateway"""

    path = "/api/v1/gateway"
    tags = ["gateway"]

    @get("/", operation_id="getGatewayStatus")
    async def get_status(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], state: State
    ) -> GatewayStatusRead:
        """Every SMSC link of every gateway process, and the queue by status (platform admins)."""
        return await get_gateway_status(db, actor, stale_seconds(state))

    @get("/alarm", operation_id="getGatewayAlarm", opt={"scope": "messages:read"})
    async def get_alarm(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], state: State
    ) -> GatewayAlarmRead:
        """Whether any SMSC link is bound (every user's top bar warns when none is)."""
        return await get_gateway_alarm(db, actor, stale_seconds(state))

    @get("/binds", operation_id="listSmppBinds")
    async def list_binds(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], state: State
    ) -> dict[str, list[SmppBindRead]]:
        """The SMPP binds the caller manages (its account's; a platform admin's: all), each with its link's state."""
        return {"items": await smpp_binds.list_smpp_binds(db, actor, stale_seconds(state))}

    @post("/binds", operation_id="createSmppBind")
    async def create_bind(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        request: Request,
        data: JSONBody[SmppBindWrite],
    ) -> SmppBindRead:
        """Add a bind (to the caller's account unless a platform admin names another); gateways bind it in seconds."""
        return await smpp_binds.add_smpp_bind(db, actor, data, request.app.state.server_secret)

    @put("/binds/{bind_id:int}", operation_id="updateSmppBind")
    async def update_bind(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        request: Request,
        bind_id: PathId,
        data: JSONBody[SmppBindWrite],
    ) -> SmppBindRead:
        """Change or disable a bind (no password: the stored one stays)."""
        return await smpp_binds.update_smpp_bind(db, actor, bind_id, data, request.app.state.server_secret)

    @delete("/binds/{bind_id:int}", operation_id="deleteSmppBind")
    async def delete_bind(self, db: NamedDependency[Database], actor: NamedDependency[Actor], bind_id: PathId) -> None:
        """Remove a bind; the gateways unbind it."""
        await smpp_binds.delete_smpp_bind(db, actor, bind_id)


OPS_ROUTES = [health_live, health_ready, metrics_endpoint]
