"""The rows of a message export: one per inbound SMS and one per recipient of an outbound one (docs/exports.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Delivery, Employee, Group, GroupMember, Message, Thread, ThreadMessage, User
from communicator.schemas.search import SearchFilters
from communicator.services.core.permissions import Reach
from communicator.services.directory.group_tree import get_group_parents, with_descendants
from communicator.services.messaging.search import select_matching_messages
from communicator.services.messaging.threads import visible_threads
from communicator.sms.tags import extract_tags
from communicator.xlsx import SheetWriter
from communicator.xlsx.writer import Cell

HEADER = [
    "Дата и время",
    "Направление",
    "От",
    "Кому",
    "Сотрудник",
    "Группы",
    "Теги",
    "Текст",
    "Частей",
    "Статус",
    "Доставлено",
]
DIRECTIONS = {"in": "входящее", "out": "исходящее"}
STATUSES = {
    "Scheduled": "запланировано",
    "Pending": "в очереди",
    "Sending": "отправляется",
    "Sent": "отправлено",
    "NotSent": "не отправлено",
    "Delivered": "доставлено",
    "NotDelivered": "не доставлено",
    "TimedOut": "истёк срок",
    "Error": "ошибка",
    "Cancelled": "отменено",
}
# The export's query: any columns (SQLAlchemy types a select by each of them).
Rows = Select[*tuple[Any, ...]]
# The keyset position after a row: (message id, delivery id; 0 for an inbound message).
Key = tuple[int, int]
START: Key = (0, 0)


async def select_export_rows(session: AsyncSession, account_id: int, reach: Reach, filters: SearchFilters) -> Rows:
    """The export's rows the reach may see, narrowed by the filters, in keyset order (message id, delivery id).

    A restricted user gets the messages of the threads they see and, of an outbound one, only the recipients
    they reach (as the message's recipient list shows them). A phrase or #tag keeps the messages the search page
    finds for the same filters (one query for both, services/messaging/search.py).
    """
    on = Delivery.message_id == Message.id
    if not reach.everyone:
        on = and_(on, Delivery.employee_id.in_(reach.employee_ids))
    row_employee = func.coalesce(Delivery.employee_id, Message.employee_id)
    query: Rows = (
        select(
            Message.id,
            Message.direction,
            Message.text,
            Message.parts,
            Message.created_at,
            Message.sender_phone,
            Message.author_user_id,
            Delivery.id.label("delivery_id"),
            Delivery.phone,
            Delivery.status,
            Delivery.delivered_at,
            row_employee.label("employee_id"),
        )
        .select_from(Message)
        .outerjoin(Delivery, on)
        .where(Message.account_id == account_id, or_(Message.direction == "in", Delivery.id.is_not(None)))
        .order_by(Message.id, Delivery.id)
    )
    if not reach.everyone:
        seen = (
            select(ThreadMessage.message_id)
            .join(Thread, Thread.id == ThreadMessage.thread_id)
            .where(ThreadMessage.message_id == Message.id, visible_threads(reach))
        )
        query = query.where(seen.exists())
    if filters.q or filters.tag:
        sqlite = session.get_bind().dialect.name == "sqlite"
        found = select_matching_messages(account_id, reach, filters, sqlite=sqlite).order_by(None)
        query = query.where(Message.id.in_(found))
    if filters.direction is not None:
        query = query.where(Message.direction == filters.direction)
    if filters.since is not None:
        query = query.where(Message.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Message.created_at <= filters.until)
    if filters.status is not None:
        query = query.where(Delivery.status == filters.status)
    if filters.employee_id is not None:
        query = query.where(row_employee == filters.employee_id)
    if filters.group_id is not None:
        groups = with_descendants(await get_group_parents(session, account_id), [filters.group_id])
        members = select(GroupMember.employee_id).where(GroupMember.group_id.in_(groups))
        query = query.where(row_employee.in_(members))
    return query


def after_key(query: Rows, key: Key) -> Rows:
    """The rows after a keyset position (the plain `Message.id >=` lets the database use its index)."""
    message_id, delivery_id = key
    return query.where(
        Message.id >= message_id,
        or_(Message.id > message_id, and_(Message.id == message_id, Delivery.id > delivery_id)),
    )


def row_key(row: Any) -> Key:
    """The keyset position of a row."""
    return (row.id, row.delivery_id or 0)


class RowContext(msgspec.Struct, kw_only=True):
    """What turns a batch's rows into cells: names, groups, the account's zone and number."""

    zone: ZoneInfo
    short_number: str
    reach: Reach
    authors: dict[int, str]
    employees: dict[int, str]
    groups: dict[int, list[str]]


async def get_account_zone(session: AsyncSession, account_id: int) -> tuple[ZoneInfo, str]:
    """The account's time zone and short number."""
    zone, short_number = (
        await session.execute(select(Account.timezone, Account.short_number).where(Account.id == account_id))
    ).one()
    return ZoneInfo(zone), short_number


async def load_row_context(session: AsyncSession, account_id: int, reach: Reach, rows: Sequence[Any]) -> RowContext:
    """The names and groups a batch of rows shows (groups only those the reach sees)."""
    zone, short_number = await get_account_zone(session, account_id)
    author_ids = {r.author_user_id for r in rows if r.author_user_id is not None}
    employee_ids = {r.employee_id for r in rows if r.employee_id is not None}
    authors = dict((await session.execute(select(User.id, User.name).where(User.id.in_(author_ids)))).all())
    employees = dict(
        (await session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(employee_ids)))).all()
    )
    member_of = (
        select(GroupMember.employee_id, Group.name)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.employee_id.in_(employee_ids))
        .order_by(Group.name)
    )
    if not reach.everyone:
        member_of = member_of.where(Group.id.in_(reach.group_ids))
    groups: dict[int, list[str]] = {}
    for employee_id, name in await session.execute(member_of):
        groups.setdefault(employee_id, []).append(name)
    return RowContext(
        zone=zone, short_number=short_number, reach=reach, authors=authors, employees=employees, groups=groups
    )


def local_time(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC time as the account's wall-clock time (Excel has no zones)."""
    return value.astimezone(zone).replace(tzinfo=None) if value is not None else None


def export_cells(row: Any, context: RowContext) -> list[Cell]:
    """One row's cells, in HEADER order; an inbound sender outside the reach stays anonymous."""
    shown = context.reach.sees_employee(row.employee_id)
    employee_id = row.employee_id if shown else None
    if row.direction == "out":
        sender: str | None = context.authors.get(row.author_user_id) or context.short_number
        recipient: str | None = row.phone
    else:
        sender, recipient = (row.sender_phone if shown else None), context.short_number
    return [
        local_time(row.created_at, context.zone),
        DIRECTIONS[row.direction],
        sender,
        recipient,
        context.employees.get(employee_id) if employee_id is not None else None,
        ", ".join(context.groups.get(employee_id, [])) if employee_id is not None else None,
        " ".join(f"#{tag}" for tag in extract_tags(row.text)),
        row.text,
        row.parts,
        STATUSES.get(row.status) if row.status else None,
        local_time(row.delivered_at, context.zone),
    ]


def write_rows(writer: SheetWriter, rows: list[list[Cell]]) -> None:
    """Append rows to a workbook (run in a worker thread: writing is CPU work)."""
    for row in rows:
        writer.write_row(row)
