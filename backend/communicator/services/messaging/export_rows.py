"""The rows of a message export: one per inbound SMS and one per recipient of an outbound one (docs/exports.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Label, Select, String, and_, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from communicator.db.models import Account, Delivery, Employee, Group, GroupMember, Message, Thread, ThreadMessage, User
from communicator.schemas.search import SearchFilters
from communicator.services.core.permissions import Reach
from communicator.services.directory.group_tree import get_group_parents, with_descendants
from communicator.services.messaging.search import select_matching_messages
from communicator.services.messaging.threads import visible_threads

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


def raw(column: InstrumentedAttribute[Any]) -> Label[str]:
    """A column as the driver hands it back: a million rows skip the enum and datetime conversions."""
    return type_coerce(column, String).label(column.key)


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
            raw(Message.direction),
            Message.text,
            Message.parts,
            raw(Message.created_at),
            Message.sender_phone,
            Message.author_user_id,
            Delivery.id.label("delivery_id"),
            Delivery.phone,
            raw(Delivery.status),
            raw(Delivery.delivered_at),
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


def after_key(query: Rows, key: Key | tuple[ColumnElement[int], ColumnElement[int]]) -> Rows:
    """The rows after a keyset position (the plain `Message.id >=` lets the database use its index)."""
    message_id, delivery_id = key
    return query.where(
        Message.id >= message_id,
        or_(Message.id > message_id, and_(Message.id == message_id, Delivery.id > delivery_id)),
    )


def row_key(row: Sequence[Any]) -> Key:
    """The keyset position of a row (its message id and delivery id, the first and eighth columns)."""
    return (row[0], row[7] or 0)


async def get_account_zone(session: AsyncSession, account_id: int) -> tuple[ZoneInfo, str]:
    """The account's time zone and short number."""
    zone, short_number = (
        await session.execute(select(Account.timezone, Account.short_number).where(Account.id == account_id))
    ).one()
    return ZoneInfo(zone), short_number


def local_time(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC time as the account's wall-clock time (Excel has no zones)."""
    return value.astimezone(zone).replace(tzinfo=None) if value is not None else None


class RowContext:
    """What rows are shown with: the account's zone and number, and the names and groups seen so far.

    Names are loaded once per job: an export's rows name the same few thousand people again and again.
    """

    def __init__(self, account_id: int, reach: Reach, zone: ZoneInfo, short_number: str) -> None:
        self.account_id = account_id
        self.reach = reach
        self.zone = zone
        self.short_number = short_number
        self.authors: dict[int, str] = {}
        self.employees: dict[int, str] = {}
        self.groups: dict[int, str] = {}

    async def load_names(self, session: AsyncSession) -> None:
        """Every name and group an export of the account can show (groups only those the reach sees), at once."""
        account = self.account_id
        users = select(User.id, User.name).where(User.account_id == account)
        self.authors = {user_id: name for user_id, name in await session.execute(users)}
        employees = select(Employee.id, Employee.name).where(Employee.account_id == account)
        self.employees = {employee_id: name for employee_id, name in await session.execute(employees)}
        member_of = (
            select(GroupMember.employee_id, Group.name)
            .join(Group, Group.id == GroupMember.group_id)
            .where(Group.account_id == account)
            .order_by(Group.name)
        )
        if not self.reach.everyone:
            member_of = member_of.where(Group.id.in_(self.reach.group_ids))
        groups: dict[int, list[str]] = {}
        for employee_id, name in await session.execute(member_of):
            groups.setdefault(employee_id, []).append(name)
        self.groups = {employee_id: ", ".join(names) for employee_id, names in groups.items()}


async def load_row_context(session: AsyncSession, account_id: int, reach: Reach) -> RowContext:
    """An export job's context, before its first batch."""
    zone, short_number = await get_account_zone(session, account_id)
    return RowContext(account_id, reach, zone, short_number)
