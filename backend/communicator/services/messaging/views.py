"""Read views of messages: summaries, names and deliveries assembled for the API and events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, Employee, Message, User
from communicator.schemas import DeliveryRead, MessageRead, Summary
from communicator.services.core.permissions import EVERYONE, Reach

DELIVERY_PAGE = 500


async def get_summaries(
    session: AsyncSession, message_ids: Sequence[int], reach: Reach = EVERYONE
) -> dict[int, Summary]:
    """Counts of deliveries by status for each message, over the recipients the caller may see."""
    summaries: dict[int, Summary] = {mid: Summary(0, {}) for mid in message_ids}
    if not message_ids:
        return summaries
    query = (
        select(Delivery.message_id, Delivery.status, func.count())
        .where(Delivery.message_id.in_(message_ids))
        .group_by(Delivery.message_id, Delivery.status)
    )
    if not reach.everyone:
        query = query.where(Delivery.employee_id.in_(reach.employee_ids))
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


def select_deliveries() -> Select:
    """The delivery columns the views need, as plain rows: loading ORM objects costs more than the query."""
    return select(
        Delivery.id,
        Delivery.message_id,
        Delivery.account_id,
        Delivery.phone,
        Delivery.employee_id,
        Delivery.status,
        Delivery.updated_at,
        Delivery.error,
        Delivery.possible_duplicate,
    )


async def list_delivery_reads(session: AsyncSession, deliveries: Sequence[Any]) -> list[DeliveryRead]:
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
    session: AsyncSession,
    messages: Sequence[Message],
    with_deliveries: bool = False,
    for_employee: int | None = None,
    reach: Reach = EVERYONE,
) -> list[MessageRead]:
    """Messages as the API shows them, in the given order; deliveries optionally only one employee's.

    A restricted caller gets only the deliveries (and summary counts) of employees they reach, and the sender of an inbound
    message they do not reach (a reply in a group thread) stays anonymous: no name, no phone.
    """
    ids = [m.id for m in messages]
    summaries = await get_summaries(session, ids, reach)
    authors = await _names(session, User, {m.author_user_id for m in messages})
    employees = await _names(session, Employee, {m.employee_id for m in messages})
    deliveries = await _list_deliveries(session, ids, for_employee, reach) if with_deliveries else {}
    return [
        _message_read(
            m,
            summaries[m.id],
            authors.get(m.author_user_id),
            employees,
            deliveries.get(m.id, []) if with_deliveries else None,
            reach,
        )
        for m in messages
    ]


def _message_read(
    m: Message,
    summary: Summary,
    author: str | None,
    employees: dict[int, str],
    deliveries: list[DeliveryRead] | None,
    reach: Reach,
) -> MessageRead:
    """One message as the caller may see it: an inbound sender outside their reach stays anonymous."""
    hidden = m.direction == "in" and not reach.sees_employee(m.employee_id)
    employee_id = None if hidden else m.employee_id
    return MessageRead(
        m.id,
        m.direction,
        m.text,
        m.parts,
        m.encoding,
        m.created_at,
        author,
        None if hidden else m.sender_phone,
        employee_id,
        employees.get(employee_id),
        m.reply_to_id,
        summary,
        deliveries,
        m.author_user_id,
    )


async def _list_deliveries(
    session: AsyncSession, message_ids: list[int], for_employee: int | None, reach: Reach
) -> dict[int, list[DeliveryRead]]:
    """The deliveries of each message: one employee's, or those the caller may see."""
    found: dict[int, list[DeliveryRead]] = {}
    if not message_ids:
        return found
    query = select(Delivery).where(Delivery.message_id.in_(message_ids)).order_by(Delivery.id)
    if for_employee is not None:
        query = query.where(Delivery.employee_id == for_employee)
    if not reach.everyone:
        query = query.where(Delivery.employee_id.in_(reach.employee_ids))
    rows = (await session.scalars(query)).all()
    for read, row in zip(await list_delivery_reads(session, rows), rows, strict=True):
        found.setdefault(row.message_id, []).append(read)
    return found


async def get_message_page(
    session: AsyncSession, message: Message, reach: Reach = EVERYONE, after_id: int = 0, limit: int = DELIVERY_PAGE
) -> MessageRead:
    """A message with one page of the deliveries the caller may see, by id after `after_id`; the summary counts all."""
    read = (await list_message_reads(session, [message], reach=reach))[0]
    query = (
        select_deliveries()
        .where(Delivery.message_id == message.id, Delivery.id > after_id)
        .order_by(Delivery.id)
        .limit(limit + 1)  # one row past the page tells whether there is more
    )
    if not reach.everyone:
        query = query.where(Delivery.employee_id.in_(reach.employee_ids))
    rows = (await session.execute(query)).all()
    page = rows[:limit]
    following = page[-1].id if len(rows) > limit else None
    return msgspec.structs.replace(read, deliveries=await list_delivery_reads(session, page), deliveries_next=following)
