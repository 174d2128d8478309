"""Deliveries per operator per day (billing, the «Шлюз» page), from the operator stored on each delivery at send time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from communicator.db.models import Delivery, Message
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.schemas import OperatorCountRead, OperatorCountsRead
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import check_is_admin

# Accepted by the SMSC (whatever happened after); delivered; failed after or before the SMSC; not sent yet.
SENT = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.NOT_DELIVERED, DeliveryStatus.TIMED_OUT}
)
FAILED = frozenset(
    {DeliveryStatus.NOT_DELIVERED, DeliveryStatus.TIMED_OUT, DeliveryStatus.NOT_SENT, DeliveryStatus.ERROR}
)
PENDING = frozenset({DeliveryStatus.PENDING, DeliveryStatus.SENDING})
UNKNOWN = "unknown"


async def list_operator_counts(db: Database, actor: Actor, day: date | None = None) -> OperatorCountsRead:
    """The day's (UTC, by the message's time) deliveries per operator: the account's, every account's for a platform admin."""
    check_is_admin(actor)
    day = day or datetime.now(UTC).date()
    start = datetime.combine(day, time(), tzinfo=UTC)
    query = (
        select(Delivery.operator, Delivery.status, func.count())
        .join(Message, Message.id == Delivery.message_id)
        .where(Message.created_at >= start, Message.created_at < start + timedelta(days=1))
        .group_by(Delivery.operator, Delivery.status)
    )
    if not actor.platform_admin:
        query = query.where(Delivery.account_id == actor.account_id, Message.account_id == actor.account_id)
    counts: dict[str, dict[str, int]] = {}
    async with db.read() as session:
        for operator, status, count in await session.execute(query):
            row = counts.setdefault(operator or UNKNOWN, dict.fromkeys(("sent", "delivered", "failed", "pending"), 0))
            row["sent"] += count if status in SENT else 0
            row["delivered"] += count if status == DeliveryStatus.DELIVERED else 0
            row["failed"] += count if status in FAILED else 0
            row["pending"] += count if status in PENDING else 0
    items = [OperatorCountRead(operator=name, **row) for name, row in counts.items()]
    items.sort(key=lambda item: (-(item.sent + item.pending + item.failed), item.operator))
    return OperatorCountsRead(day=day.isoformat(), items=items)
