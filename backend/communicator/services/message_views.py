"""Read views of messages: summaries, names and deliveries assembled for the API and events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, Employee, Message, User
from communicator.schemas import DeliveryRead, MessageRead, Summary


async def get_summaries(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, Summary]:
    """Counts of deliveries by status for each message."""
    summaries: dict[int, Summary] = {mid: Summary(0, {}) for mid in message_ids}
    if not message_ids:
        return summaries
    query = (
        select(Delivery.message_id, Delivery.status, func.count())
        .where(Delivery.message_id.in_(message_ids))
        .group_by(Delivery.message_id, Delivery.status)
    )
    for message_id, status, count in await session.execute(query):
        summary = summaries[message_id]
        summary.counts[status] = count
        summary.total += count
    return summaries


async def _names(session: AsyncSession, model: type, ids: set[int]) -> dict[int, str]:
    """Display names of users or employees by id."""
    ids.discard(None)  # type: ignore[arg-type]
    if not ids:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    return dict(rows.all())


async def list_delivery_reads(session: AsyncSession, deliveries: Sequence[Delivery]) -> list[DeliveryRead]:
    """Deliveries with their employees' names."""
    names = await _names(session, Employee, {d.employee_id for d in deliveries})
    return [
        DeliveryRead(
            d.id,
            d.phone,
            d.employee_id,
            names.get(d.employee_id),
            d.status,
            d.updated_at,
            d.error,
            d.possible_duplicate,
        )
        for d in deliveries
    ]


async def list_message_reads(
    session: AsyncSession, messages: Sequence[Message], with_deliveries: bool = False, for_employee: int | None = None
) -> list[MessageRead]:
    """Messages as the API shows them, in the given order; deliveries optionally only one employee's."""
    ids = [m.id for m in messages]
    summaries = await get_summaries(session, ids)
    authors = await _names(session, User, {m.author_user_id for m in messages})
    employees = await _names(session, Employee, {m.employee_id for m in messages})
    deliveries: dict[int, list[DeliveryRead]] = {}
    if with_deliveries and ids:
        query = select(Delivery).where(Delivery.message_id.in_(ids)).order_by(Delivery.id)
        if for_employee is not None:
            query = query.where(Delivery.employee_id == for_employee)
        rows = (await session.scalars(query)).all()
        for read, row in zip(await list_delivery_reads(session, rows), rows, strict=True):
            deliveries.setdefault(row.message_id, []).append(read)
    return [
        MessageRead(
            m.id,
            m.direction,
            m.text,
            m.parts,
            m.encoding,
            m.created_at,
            authors.get(m.author_user_id),
            m.sender_phone,
            m.employee_id,
            employees.get(m.employee_id),
            m.reply_to_id,
            summaries[m.id],
            deliveries.get(m.id, []) if with_deliveries else None,
        )
        for m in messages
    ]
