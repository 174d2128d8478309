"""Virtual phones of the simulator: what each employee's phone received and sent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Delivery, Employee, Message
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.schemas import PhoneMessage, PhoneRead
from communicator.services.core.actors import Actor
from communicator.services.core.errors import NotFound
from communicator.services.core.permissions import get_reach
from communicator.services.directory.employees import check_phone

# What a phone has received: the SMSC accepted it (and may have reported on it).
RECEIVED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


async def list_phones(db: Database, actor: Actor) -> list[PhoneRead]:
    """The virtual phone of every active employee the actor may reach."""
    async with db.read() as session:
        return await _list_phones(session, actor)


async def _list_phones(session: AsyncSession, actor: Actor) -> list[PhoneRead]:
    """list_phones inside a transaction."""
    reach = await get_reach(session, actor)
    query = (
        select(Employee.phone, Employee.id, Employee.name)
        .where(Employee.account_id == actor.account_id, Employee.active.is_(True))
        .order_by(Employee.name)
    )
    rows = await session.execute(query)
    return [
        PhoneRead(phone=phone, employee_id=employee_id, name=name)
        for phone, employee_id, name in rows
        if reach.sees_employee(employee_id)
    ]


async def _check_may_see_phone(session: AsyncSession, actor: Actor, phone: str) -> None:
    """A phone the actor may not reach answers 404, like an unknown one."""
    reach = await get_reach(session, actor)
    if reach.everyone:
        return
    owner = select(Employee.id).where(Employee.account_id == actor.account_id, Employee.phone == phone)
    if not reach.sees_employee(await session.scalar(owner)):
        raise NotFound(f"Phone {phone} not found.", code="not_found")


async def list_phone_messages(db: Database, actor: Actor, raw_phone: str, limit: int = 100) -> list[PhoneMessage]:
    """The newest SMS on one phone, received and sent, oldest first."""
    async with db.read() as session:
        return await _list_phone_messages(session, actor, raw_phone, limit)


async def _list_phone_messages(session: AsyncSession, actor: Actor, raw_phone: str, limit: int) -> list[PhoneMessage]:
    """list_phone_messages inside a transaction."""
    phone = check_phone(raw_phone)
    await _check_may_see_phone(session, actor, phone)
    received_query = (
        select(Delivery.id, Message.text, Delivery.updated_at, Delivery.status)
        .join(Message, Message.id == Delivery.message_id)
        .where(Delivery.account_id == actor.account_id, Delivery.phone == phone, Delivery.status.in_(RECEIVED))
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    sent_query = (
        select(Message.id, Message.text, Message.created_at)
        .where(Message.account_id == actor.account_id, Message.direction == "in", Message.sender_phone == phone)
        .order_by(Message.id.desc())
        .limit(limit)
    )
    received = await session.execute(received_query)
    sent = await session.execute(sent_query)
    items = [PhoneMessage(id=i, kind="received", text=t, at=at, status=s) for i, t, at, s in received]
    items += [PhoneMessage(id=i, kind="sent", text=t, at=at, status=None) for i, t, at in sent]
    return sorted(items, key=lambda m: m.at)[-limit:]
