"""Which account an inbound SMS belongs to when accounts share a short number. See docs/inbound.md."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Delivery, Employee
from communicator.services.core.errors import InvalidInput
from communicator.sms.phones import InvalidPhone, normalize_phone

# The column width; an alphanumeric sender has at most 11 characters, an E.164 number at most 16.
SENDER_MAX = 20


def check_sender(raw: str) -> str:
    """A phone sender in E.164, any other sender (an alphanumeric name such as «MEGAFON») as given."""
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        pass
    sender = raw.strip()
    if not sender or len(sender) > SENDER_MAX or not sender.isprintable():
        detail = f"Invalid sender «{raw}»: a phone number or a name of 1 to {SENDER_MAX} printable characters."
        raise InvalidInput(detail, {"sender": raw}, code="invalid_sender")
    return sender


def select_owners(short_number: str | None) -> Select[int]:
    """The accounts an SMS to this short number may belong to (every account when the source names none)."""
    query = select(Account.id)
    return query if short_number is None else query.where(Account.short_number == short_number)


async def get_inbound_account(session: AsyncSession, short_number: str | None, sender: str) -> int | None:
    """The account an SMS from `sender` belongs to, or None for the unrouted inbox; the first rule that answers."""
    owners = select_owners(short_number)
    for rule in (_last_sent_to, _employer, _only_owner):
        account_id = await rule(session, owners, sender)
        if account_id is not None:
            return account_id
    return None


async def _last_sent_to(session: AsyncSession, owners: Select[int], sender: str) -> int | None:
    """The owner that sent to this phone most recently (a reply answers the last message the phone got)."""
    query = (
        select(Delivery.account_id)
        .where(Delivery.phone == sender, Delivery.account_id.in_(owners))
        .group_by(Delivery.account_id)
        .order_by(func.max(Delivery.id).desc())
        .limit(1)
    )
    return await session.scalar(query)


async def _employer(session: AsyncSession, owners: Select[int], sender: str) -> int | None:
    """The one owner that has this phone as an employee (two or more say nothing)."""
    query = select(Employee.account_id).where(Employee.phone == sender, Employee.account_id.in_(owners))
    return await _the_only(session, query)


async def _only_owner(session: AsyncSession, owners: Select[int], _sender: str) -> int | None:
    """The short number's owner, when it has exactly one."""
    return await _the_only(session, owners)


async def _the_only(session: AsyncSession, query: Select[int]) -> int | None:
    """The single row's value, or None when there are none or several."""
    found = list(await session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None
