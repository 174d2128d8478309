"""Fetching with the account check, and reading Update structs."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.services.core.actors import Actor
from communicator.services.core.errors import NotFound

Row = TypeVar("Row")


async def access_row(session: AsyncSession, model: type[Row], row_id: int, actor: Actor, noun: str) -> Row:
    """The row if it belongs to the caller's account; another account's id looks exactly like a missing one."""
    row = await session.get(model, row_id)
    if row is None or getattr(row, "account_id", None) != actor.account_id:
        raise NotFound(f"{noun} {row_id} not found.", code="not_found")
    return row


def given_fields(update: msgspec.Struct) -> dict[str, Any]:
    """The fields an Update struct actually carries (absent ones are UNSET)."""
    return {k: v for k, v in msgspec.structs.asdict(update).items() if v is not msgspec.UNSET}
