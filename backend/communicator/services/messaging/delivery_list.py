"""A message's recipient list at scale: filters (undelivered, unanswered, answered) and search, in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Contact, Delivery, Employee, Message
from communicator.domain import DeliveryStatus

UNDELIVERED = (
    DeliveryStatus.NOT_SENT,
    DeliveryStatus.NOT_DELIVERED,
    DeliveryStatus.TIMED_OUT,
    DeliveryStatus.ERROR,
    DeliveryStatus.CANCELLED,
)


def _replies_to(message: Message) -> ColumnElement[bool]:
    """The condition on an inbound Message: a reply to this message or to one of its reminders."""
    answered_ids = select(Message.id).where(or_(Message.id == message.id, Message.follow_up_of == message.id))
    return and_(
        Message.account_id == message.account_id,
        Message.direction == "in",
        Message.reply_to_id.in_(answered_ids.scalar_subquery()),
    )


def answered(message: Message) -> ColumnElement[bool]:
    """The condition on Delivery: its phone answered this message or one of its reminders."""
    return exists().where(_replies_to(message), Message.sender_phone == Delivery.phone)


async def get_first_replies(session: AsyncSession, message: Message, phones: Iterable[str]) -> dict[str, datetime]:
    """When each of these phones first answered the message (or a reminder of it), as «Ответили» counts answers."""
    wanted = set(phones)
    if not wanted:
        return {}
    query = (
        select(Message.sender_phone, func.min(Message.created_at))
        .where(_replies_to(message), Message.sender_phone.in_(wanted))
        .group_by(Message.sender_phone)
    )
    return {phone: at for phone, at in (await session.execute(query)).all() if phone is not None}


async def _matching(session: AsyncSession, account_id: int, query: str) -> ColumnElement[bool]:
    """The condition on Delivery: its number contains the digits typed, or its employee's or contact's name the text.

    Names are matched in Python: SQLite folds only ASCII case, and names here are Cyrillic.
    """
    needle = query.strip().casefold()
    digits = "".join(ch for ch in needle if ch.isdigit())
    conditions: list[ColumnElement[bool]] = []
    if digits and len(digits) >= len(needle.replace("+", "").replace(" ", "").replace("-", "")):
        conditions.append(Delivery.phone.contains(digits.removeprefix("8")))
    if needle:
        employees = await session.execute(select(Employee.id, Employee.name).where(Employee.account_id == account_id))
        employee_ids = [i for i, name in employees if needle in name.casefold()]
        contacts = await session.execute(
            select(Contact.phone, Contact.name).where(Contact.account_id == account_id, Contact.name.is_not(None))
        )
        phones = [phone for phone, name in contacts if needle in (name or "").casefold()]
        if employee_ids:
            conditions.append(Delivery.employee_id.in_(employee_ids))
        if phones:
            conditions.append(Delivery.phone.in_(phones))
    return or_(*conditions) if conditions else false()


async def filter_deliveries(
    session: AsyncSession, query: Select[Any], message: Message, which: str, search: str | None
) -> Select[Any]:
    """The delivery query narrowed to one filter and a search by name or number."""
    if which == "undelivered":
        query = query.where(Delivery.status.in_(UNDELIVERED))
    elif which == "unanswered":
        query = query.where(~answered(message))
    elif which == "answered":
        query = query.where(answered(message))
    if search and search.strip():
        query = query.where(await _matching(session, message.account_id, search))
    return query
