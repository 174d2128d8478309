"""Many messages read at once as plain rows: the views of a page of hits in one query, without ORM objects.

`list_message_reads_by_id` shows each message exactly as views.list_message_reads does (no deliveries), in one
query; a caller may add columns of its own to the rows (search adds each message's threads).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, bindparam, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from communicator.db.models import Contact, Delivery, Employee, Message, User
from communicator.domain import DeliveryStatus
from communicator.schemas import MessageRead, Summary
from communicator.services.core.permissions import EVERYONE, Reach
from communicator.services.messaging.views import get_visible_message


def select_message_rows(reach: Reach, *extra: ColumnElement[Any]) -> Select[*tuple[Any, ...]]:
    """The messages' columns, their author's, employee's and contact's names, reminders and summary (and `extra`).

    Each name is a lookup by a primary (or unique) key, the reminders one along the follow_up_of index and the
    summary one along (message_id, status): one query instead of six. The ids are the expanding parameter `ids`, so
    that the statement can be built once (per reach).
    """
    reminder = aliased(Message)
    return select(
        Message.id,
        Message.direction,
        Message.text,
        Message.parts,
        Message.encoding,
        Message.created_at,
        Message.author_user_id,
        Message.sender_phone,
        Message.employee_id,
        Message.reply_to_id,
        Message.follow_up_of,
        Message.folded,
        Message.send_at,
        Message.valid_until,
        select(User.name).where(User.id == Message.author_user_id).scalar_subquery().label("author_name"),
        select(Employee.name).where(Employee.id == Message.employee_id).scalar_subquery().label("employee_name"),
        select(Contact.name)
        .where(
            Contact.account_id == Message.account_id, Contact.phone == Message.sender_phone, Contact.name.is_not(None)
        )
        .scalar_subquery()
        .label("contact_name"),
        select(func.aggregate_strings(cast(reminder.id, String), ","))
        .where(reminder.follow_up_of == Message.id)
        .scalar_subquery()
        .label("follow_up_ids"),
        _summary_column(reach),
        *extra,
    ).where(Message.id.in_(bindparam("ids", expanding=True)))


def _summary_column(reach: Reach) -> ColumnElement[str | None]:
    """The message's deliveries the reach sees, counted by status, as «status:count» joined by commas."""
    counted = select(Delivery.status.label("status"), func.count().label("n")).where(Delivery.message_id == Message.id)
    if not reach.everyone:
        counted = counted.where(Delivery.employee_id.in_(reach.employee_ids))
    by_status = counted.group_by(Delivery.status).correlate(Message).subquery()
    described = cast(by_status.c.status, String) + ":" + cast(by_status.c.n, String)
    return select(func.aggregate_strings(described, ",")).scalar_subquery().label("summary")


MESSAGE_ROWS = select_message_rows(EVERYONE)


async def list_message_rows(
    session: AsyncSession, ids: Sequence[int], reach: Reach = EVERYONE, query: Select[Any] | None = None
) -> list[tuple[MessageRead, Row[Any]]]:
    """Each message as the reach sees it with its row, in the given order; a missing id is skipped.

    `query` is select_message_rows(reach, …) with the caller's extra columns.
    """
    if not ids:
        return []
    if query is None:
        query = MESSAGE_ROWS if reach.everyone else select_message_rows(reach)
    by_id = {row.id: row for row in await session.execute(query, {"ids": list(ids)})}
    return [(_row_read(by_id[i], reach), by_id[i]) for i in ids if i in by_id]


async def list_message_reads_by_id(
    session: AsyncSession, ids: Sequence[int], reach: Reach = EVERYONE
) -> list[MessageRead]:
    """The messages with these ids as views.list_message_reads shows them (no deliveries), in the given order."""
    return [read for read, _ in await list_message_rows(session, ids, reach)]


def _summary(described: str | None) -> Summary:
    """The summary column read back."""
    counts: dict[str, int] = {}
    for status_count in described.split(",") if described else []:
        status, count = status_count.split(":")
        counts[DeliveryStatus(status)] = int(count)
    return Summary(total=sum(counts.values()), counts=counts)


def _row_read(row: Any, reach: Reach) -> MessageRead:
    """One row as views.list_message_reads builds its message (and then hides what the reach may not see)."""
    outbound = row.direction == "out"
    follow_ups = sorted(int(i) for i in row.follow_up_ids.split(",")) if outbound and row.follow_up_ids else []
    contact = row.direction == "in" and row.employee_id is None and reach.everyone
    read = MessageRead(
        id=row.id,
        direction=row.direction,
        text=row.text,
        parts=row.parts,
        encoding=row.encoding,
        created_at=row.created_at,
        author_name=row.author_name,
        sender_phone=row.sender_phone,
        employee_id=row.employee_id,
        employee_name=row.employee_name,
        reply_to_id=row.reply_to_id,
        summary=_summary(row.summary),
        author_user_id=row.author_user_id,
        folded=row.folded,
        send_at=row.send_at,
        valid_until=row.valid_until,
        follow_up_of=row.follow_up_of,
        follow_up_ids=follow_ups,
        contact_name=row.contact_name if contact else None,
    )
    return get_visible_message(read, reach)
