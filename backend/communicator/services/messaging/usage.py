"""What an account sent in a month: the figures GetStatistics and GetBalance answer from. See docs/m2m.md."""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import func, select

from communicator.db.models import Account, Delivery, Message
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.services.core import permissions
from communicator.services.core.actors import Actor

# Parts that never reached an SMSC are not billed.
UNBILLED = (DeliveryStatus.PENDING, DeliveryStatus.NOT_SENT, DeliveryStatus.CANCELLED, DeliveryStatus.ERROR)


class MonthUsage(msgspec.Struct, frozen=True, kw_only=True):
    """Outbound SMS parts handed to an SMSC in a month, and the account's plan."""

    billed_parts: int
    plan: str


async def get_month_usage(db: Database, actor: Actor, start: datetime, end: datetime) -> MonthUsage:
    """The parts of the account's outbound messages created in [start, end) that reached an SMSC."""
    permissions.check_scope(actor, "messages:read")
    query = (
        select(func.coalesce(func.sum(Delivery.parts), 0))
        .join(Message, Message.id == Delivery.message_id)
        .where(
            Delivery.account_id == actor.account_id,
            Message.created_at >= start,
            Message.created_at < end,
            Delivery.status.not_in(UNBILLED),
        )
    )
    async with db.read() as session:
        parts = int(await session.scalar(query) or 0)
        plan = await session.scalar(select(Account.plan).where(Account.id == actor.account_id))
    return MonthUsage(billed_parts=parts, plan=plan or "Company")


async def get_plan(db: Database, actor: Actor) -> str:
    """The account's plan: Company or Employee."""
    async with db.read() as session:
        plan = await session.scalar(select(Account.plan).where(Account.id == actor.account_id))
    return plan or "Company"
