"""Gateway links across processes: each gateway process records its drivers' links; api processes read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, GatewayLink
from communicator.db.session import Database, dialect_insert
from communicator.domain import DeliveryStatus
from communicator.schemas import GatewayAlarmRead, GatewayLinkRead, GatewayStatusRead
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import check_is_platform_admin

# Rows of processes gone this long are deleted; until then they show as down.
FORGET_AFTER = timedelta(days=1)
QUEUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)
STALE_ERROR = "no report from its gateway process since {0:%Y-%m-%d %H:%M:%S} UTC"


async def record_link_states(db: Database, process: str, links: Sequence[GatewayLinkRead]) -> None:
    """Replace what `process` reported last with `links` (its drivers' link_states and current rates)."""
    now = datetime.now(UTC)
    async with db.write() as session:
        await session.execute(delete(GatewayLink).where(GatewayLink.updated_at < now - FORGET_AFTER))
        await session.execute(delete(GatewayLink).where(GatewayLink.process == process))
        if links:
            rows = [_row(process, link, now) for link in links]
            await session.execute(dialect_insert(session, GatewayLink), rows)


def _row(process: str, link: GatewayLinkRead, now: datetime) -> dict[str, object]:
    """The table row of one link."""
    fields = ("name", "status", "since", "last_error", "tps_allowed", "current_rate")
    row: dict[str, object] = {name: getattr(link, name) for name in fields}
    if link.last_error:
        row["last_error"] = link.last_error[:500]
    return {**row, "process": process, "updated_at": now}


async def list_gateway_links(db: Database, stale_seconds: float) -> list[GatewayLinkRead]:
    """Every reported link; one whose process has not reported for `stale_seconds` reads as down (system read)."""
    async with db.read() as session:
        rows = list(await session.scalars(select(GatewayLink).order_by(GatewayLink.process, GatewayLink.name)))
    cutoff = datetime.now(UTC) - timedelta(seconds=stale_seconds)
    return [_link_read(row, row.updated_at < cutoff) for row in rows]


def _link_read(row: GatewayLink, stale: bool) -> GatewayLinkRead:
    """A row as the API shows it: a stale one is down since its last report."""
    return GatewayLinkRead(
        process=row.process,
        name=row.name,
        status="down" if stale else row.status,  # type: ignore[arg-type]
        since=row.updated_at if stale else row.since,
        last_error=STALE_ERROR.format(row.updated_at) if stale else row.last_error,
        tps_allowed=row.tps_allowed,
        current_rate=0.0 if stale else row.current_rate,
        updated_at=row.updated_at,
        stale=stale,
    )


async def count_queue(db: Database) -> dict[str, int]:
    """Deliveries waiting, being sent and awaiting a receipt, by status (system read)."""
    async with db.read() as session:
        return await _count_queue(session)


async def _count_queue(session: AsyncSession) -> dict[str, int]:
    """count_queue inside a transaction."""
    query = select(Delivery.status, func.count()).where(Delivery.status.in_(QUEUE_STATUSES)).group_by(Delivery.status)
    counts = {str(status): 0 for status in QUEUE_STATUSES}
    counts.update({str(status): count for status, count in (await session.execute(query)).all()})
    return counts


async def get_gateway_status(db: Database, actor: Actor, stale_seconds: float) -> GatewayStatusRead:
    """The «Шлюз» page: every link and the queue (platform admins only: the links serve every account)."""
    check_is_platform_admin(actor)
    return GatewayStatusRead(links=await list_gateway_links(db, stale_seconds), queue=await count_queue(db))


async def get_gateway_alarm(db: Database, actor: Actor, stale_seconds: float) -> GatewayAlarmRead:
    """Whether any bind is up, for every signed-in user's top bar (it says nothing else about the links)."""
    del actor  # any signed-in user may know that SMS cannot go out right now
    links = await list_gateway_links(db, stale_seconds)
    return GatewayAlarmRead(any_bound=any(link.status == "bound" for link in links), links=len(links))
