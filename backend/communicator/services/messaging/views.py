"""Read views of messages: summaries, names and deliveries assembled for the API and events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Unpack

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Contact, Delivery, Employee, Message, User
from communicator.schemas import DeliveryRead, MessageRead, Summary
from communicator.services.core.permissions import EVERYONE, Reach
from communicator.services.messaging.batch_update import is_any_of
from communicator.services.messaging.delivery_list import filter_deliveries, get_first_replies

DELIVERY_PAGE = 500


async def get_summaries(
    session: AsyncSession, message_ids: Sequence[int], reach: Reach = EVERYONE
) -> dict[int, Summary]:
    """Counts of deliveries by status for each message, over the recipients the caller may see."""
    summaries: dict[int, Summary] = {mid: Summary(total=0, counts={}) for mid in message_ids}
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


async def _names(
    session: AsyncSession, model: type[User | Employee], ids: Iterable[int | None]
) -> dict[int | None, str]:
    """Display names of users or employees by id (keyed so an absent id looks up nothing)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.name).where(is_any_of(session, model.id, wanted)))
    return {row_id: name for row_id, name in rows}


def select_deliveries() -> Select[Unpack[tuple[Any, ...]]]:
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
        Delivery.sent_at,
        Delivery.delivered_at,
    )


async def list_delivery_reads(
    session: AsyncSession, deliveries: Sequence[Any], replied: Mapping[str, datetime] | None = None
) -> list[DeliveryRead]:
    """Deliveries with their employees' names (and, given them, when each phone first replied)."""
    names = await _names(session, Employee, {d.employee_id for d in deliveries})
    return [
        DeliveryRead(
            id=d.id,
            phone=d.phone,
            employee_id=d.employee_id,
            employee_name=names.get(d.employee_id),
            status=d.status,
            updated_at=d.updated_at,
            error=d.error,
            possible_duplicate=d.possible_duplicate,
            sent_at=d.sent_at,
            delivered_at=d.delivered_at,
            replied_at=replied.get(d.phone) if replied else None,
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
    follow_ups = await _follow_ups(session, [m.id for m in messages if m.direction == "out"])
    contacts = await _contact_names(session, messages)
    return [
        msgspec.structs.replace(
            _message_read(
                m,
                summaries[m.id],
                authors.get(m.author_user_id),
                employees,
                deliveries.get(m.id, []) if with_deliveries else None,
                reach,
            ),
            follow_up_of=m.follow_up_of,
            follow_up_ids=follow_ups.get(m.id, []),
            contact_name=contacts.get(m.sender_phone) if reach.everyone and m.employee_id is None else None,
        )
        for m in messages
    ]


async def _contact_names(session: AsyncSession, messages: Sequence[Message]) -> dict[str | None, str]:
    """Names of the contacts (numbers outside the staff) that sent these messages."""
    phones = {m.sender_phone for m in messages if m.direction == "in" and m.employee_id is None}
    if not phones:
        return {}
    account_id = messages[0].account_id
    query = select(Contact.phone, Contact.name).where(
        Contact.account_id == account_id, Contact.phone.in_(phones), Contact.name.is_not(None)
    )
    return {phone: name or "" for phone, name in await session.execute(query)}


async def _follow_ups(session: AsyncSession, message_ids: list[int]) -> dict[int, list[int]]:
    """The reminders sent for each of these messages, oldest first."""
    if not message_ids:
        return {}
    # Ordered along the follow_up_of index: ordering by id alone walks the whole messages table.
    query = (
        select(Message.follow_up_of, Message.id)
        .where(Message.follow_up_of.in_(message_ids))
        .order_by(Message.follow_up_of, Message.id)
    )
    found: dict[int, list[int]] = {}
    for original, reminder in await session.execute(query):
        if original is not None:
            found.setdefault(original, []).append(reminder)
    return found


def _message_read(
    m: Message,
    summary: Summary,
    author: str | None,
    employees: dict[int | None, str],
    deliveries: list[DeliveryRead] | None,
    reach: Reach,
) -> MessageRead:
    """One message as the caller may see it."""
    read = MessageRead(
        id=m.id,
        direction=m.direction,
        text=m.text,
        parts=m.parts,
        encoding=m.encoding,
        created_at=m.created_at,
        author_name=author,
        sender_phone=m.sender_phone,
        employee_id=m.employee_id,
        employee_name=employees.get(m.employee_id),
        reply_to_id=m.reply_to_id,
        summary=summary,
        deliveries=deliveries,
        author_user_id=m.author_user_id,
        folded=m.folded,
        send_at=m.send_at,
        valid_until=m.valid_until,
    )
    return get_visible_message(read, reach)


def get_visible_message(read: MessageRead, reach: Reach) -> MessageRead:
    """The message as a reach shows it (REST and events): an inbound sender outside it stays anonymous."""
    if read.direction != "in" or reach.sees_employee(read.employee_id):
        return read
    return msgspec.structs.replace(read, sender_phone=None, employee_id=None, employee_name=None, contact_name=None)


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


class DeliveryQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Which page of a message's recipients: after a delivery id, at most `limit`, one filter, a search."""

    after_id: int = 0
    limit: int = DELIVERY_PAGE
    which: str = "all"
    search: str | None = None


FIRST_PAGE = DeliveryQuery()


async def get_message_page(
    session: AsyncSession, message: Message, reach: Reach = EVERYONE, page_of: DeliveryQuery = FIRST_PAGE
) -> MessageRead:
    """A message with one page of the deliveries the caller may see, by id after `after_id`; the summary counts all."""
    read = (await list_message_reads(session, [message], reach=reach))[0]
    query = (
        select_deliveries()
        .where(Delivery.message_id == message.id, Delivery.id > page_of.after_id)
        .order_by(Delivery.id)
        .limit(page_of.limit + 1)  # one row past the page tells whether there is more
    )
    if not reach.everyone:
        query = query.where(Delivery.employee_id.in_(reach.employee_ids))
    query = await filter_deliveries(session, query, message, page_of.which, page_of.search)
    limit = page_of.limit
    rows = (await session.execute(query)).all()
    page = rows[:limit]
    following = page[-1].id if len(rows) > limit else None
    replied = await get_first_replies(session, message, {row.phone for row in page})
    deliveries = await list_delivery_reads(session, page, replied)
    return msgspec.structs.replace(read, deliveries=deliveries, deliveries_next=following)
