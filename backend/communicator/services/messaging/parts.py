"""A long text's parts at the SMSC: each part's id, and the delivery's status from every part's receipt.

The rule (docs/gateway.md): the delivery fails as soon as one part fails (NotDelivered, TimedOut…: the phone
cannot show the whole text), and is Delivered only when every part is; until then it stays Sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import DeliveryPart
from communicator.domain import DeliveryStatus

if TYPE_CHECKING:
    from communicator.services.messaging.delivery import Receipt

NOT_FINAL = frozenset({DeliveryStatus.SENT})  # a part is Sent until its final receipt


async def record_parts(session: AsyncSession, parts: Mapping[int, Sequence[str]]) -> None:
    """Keep each part's SMSC id of deliveries just accepted (a resend after a crash replaces the earlier ones)."""
    if not parts:
        return
    await session.execute(delete(DeliveryPart).where(DeliveryPart.delivery_id.in_(list(parts))))
    rows = [
        {"delivery_id": delivery_id, "seq": seq, "smsc_id": smsc_id[:64], "status": DeliveryStatus.SENT}
        for delivery_id, ids in parts.items()
        for seq, smsc_id in enumerate(ids, start=1)
    ]
    await session.execute(insert(DeliveryPart), rows)


async def apply_part_receipts(
    session: AsyncSession, receipts: Sequence[Receipt]
) -> tuple[set[str], list[tuple[int, DeliveryStatus, str | None]]]:
    """Record the receipts that name a part; returns their ids, and the status each touched delivery now has."""
    ids = {r.smsc_id for r in receipts}
    found = list(await session.scalars(select(DeliveryPart).where(DeliveryPart.smsc_id.in_(ids))))
    if not found:
        return set(), []
    by_id = {r.smsc_id: r for r in receipts}
    for part in found:
        receipt = by_id[part.smsc_id]
        if part.status in NOT_FINAL and receipt.status not in NOT_FINAL:
            part.status, part.error = receipt.status, receipt.error
    await session.flush()
    touched = sorted({part.delivery_id for part in found})
    every = await session.execute(
        select(DeliveryPart.delivery_id, DeliveryPart.status, DeliveryPart.error)
        .where(DeliveryPart.delivery_id.in_(touched))
        .order_by(DeliveryPart.delivery_id, DeliveryPart.seq)
    )
    statuses: dict[int, list[tuple[DeliveryStatus, str | None]]] = {}
    for delivery_id, status, error in every:
        statuses.setdefault(delivery_id, []).append((status, error))
    outcomes = [(d, *get_whole_status(parts)) for d, parts in statuses.items()]
    return {part.smsc_id for part in found}, [o for o in outcomes if o[1] is not DeliveryStatus.SENT]


def get_whole_status(parts: Sequence[tuple[DeliveryStatus, str | None]]) -> tuple[DeliveryStatus, str | None]:
    """A delivery's status from its parts': the first failed part's, else Delivered when all are, else Sent."""
    for status, error in parts:
        if status not in NOT_FINAL and status is not DeliveryStatus.DELIVERED:
            return status, error
    if all(status is DeliveryStatus.DELIVERED for status, _ in parts):
        return DeliveryStatus.DELIVERED, None
    return DeliveryStatus.SENT, None
