"""The audit log: who changed which employee, group, user, permission, token or account, and when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import AuditEntry
from communicator.db.session import Database
from communicator.schemas import AuditEntryRead, AuditPage
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import check_is_admin

# Never written to the log, whatever a caller passes in details.
SECRET_FIELDS = frozenset({"password", "password_hash", "token", "token_hash", "admin_password"})


async def record_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    target: tuple[str, int | None, str],
    details: dict[str, Any] | None = None,
    account_id: int | None = None,
) -> None:
    """Write one audit line in the current transaction; target is (type, id, name)."""
    target_type, target_id, target_name = target
    clean = {k: v for k, v in (details or {}).items() if k not in SECRET_FIELDS}
    session.add(
        AuditEntry(
            account_id=account_id if account_id is not None else actor.account_id,
            at=datetime.now(UTC),
            actor_user_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_name=target_name[:200],
            details=clean,
        )
    )


async def list_audit(db: Database, actor: Actor, before_id: int | None, limit: int) -> AuditPage:
    """A page of the account's audit log, newest first (Administrators only)."""
    check_is_admin(actor)
    query = select(AuditEntry).where(AuditEntry.account_id == actor.account_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    async with db.read() as session:
        rows = list(await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    items = [
        AuditEntryRead(
            id=e.id,
            at=e.at,
            actor_name=e.actor_name,
            action=e.action,
            target_type=e.target_type,
            target_id=e.target_id,
            target_name=e.target_name,
            details=e.details,
        )
        for e in rows[:limit]
    ]
    return AuditPage(items=items, has_more=len(rows) > limit)
