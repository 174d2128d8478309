"""The platform's unrouted inbox: MOs no account could be chosen for, assigned by platform admins (docs/inbound.md)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, UnroutedMessage
from communicator.db.session import Database
from communicator.schemas import MessageRead, UnroutedPage
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import Conflict, InvalidInput, NotFound
from communicator.services.core.permissions import check_is_platform_admin
from communicator.services.messaging.receive import Inbound, record_in_account, unrouted_read


async def list_unrouted(db: Database, actor: Actor, before_id: int | None, limit: int) -> UnroutedPage:
    """A page of the messages still waiting for an account, newest first (platform admins only)."""
    check_is_platform_admin(actor)
    async with db.read() as session:
        return await _list_unrouted(session, before_id, limit)


async def _list_unrouted(session: AsyncSession, before_id: int | None, limit: int) -> UnroutedPage:
    """list_unrouted inside a transaction."""
    query = select(UnroutedMessage).where(UnroutedMessage.message_id.is_(None))
    if before_id is not None:
        query = query.where(UnroutedMessage.id < before_id)
    rows = list(await session.scalars(query.order_by(UnroutedMessage.id.desc()).limit(limit + 1)))
    return UnroutedPage(items=[unrouted_read(row) for row in rows[:limit]], has_more=len(rows) > limit)


async def assign_unrouted(db: Database, actor: Actor, unrouted_id: int, account_id: int) -> MessageRead:
    """Make an unrouted message an ordinary inbound message of the account (its threads, its event); audited."""
    check_is_platform_admin(actor)
    async with db.write() as session:
        # FOR UPDATE: two admins assigning the same message at once must not make two messages of it.
        row = await session.get(UnroutedMessage, unrouted_id, with_for_update=True)
        if row is None:
            raise NotFound(f"Unrouted message {unrouted_id} not found.", code="not_found")
        if row.message_id is not None:
            raise Conflict(f"Unrouted message {unrouted_id} is already assigned.", code="already_assigned")
        account = await session.get(Account, account_id)
        if account is None:
            raise InvalidInput(f"No account {account_id}.", {"account_id": account_id}, code="unknown_account")
        mo = Inbound(**{name: getattr(row, name) for name in Inbound.__struct_fields__})
        read = await record_in_account(session, account.id, mo)
        row.message_id = read.id
        details = {"unrouted_id": row.id, "short_number": row.short_number, "sender": row.sender}
        await record_audit(session, actor, "inbound.assigned", ("message", read.id, row.sender), details, account.id)
    return read
