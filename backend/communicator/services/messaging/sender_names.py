"""The sender name an outbound message goes out from: one of the account's approved names (docs/sms.md)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account
from communicator.services.core.errors import InvalidInput


async def check_sender_name(session: AsyncSession, account_id: int, name: str | None) -> str | None:
    """The name if the account may send from it; None (empty) sends from the short number; else InvalidInput."""
    name = (name or "").strip()
    if not name:
        return None
    approved = await session.scalar(select(Account.sender_names).where(Account.id == account_id)) or []
    if name not in approved:
        raise InvalidInput(
            f"The sender name «{name[:20]}» is not one of the account's approved names: {', '.join(approved) or 'none'}.",
            {"field": "sender_name", "approved": list(approved)},
            code="sender_name_not_allowed",
        )
    return name
