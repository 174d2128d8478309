"""The nesting of groups: parents and descendants (used by groups and permissions alike)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Group


async def get_group_parents(session: AsyncSession, account_id: int) -> dict[int, int | None]:
    """Every group of the account mapped to its parent."""
    rows = await session.execute(select(Group.id, Group.parent_id).where(Group.account_id == account_id))
    return {group_id: parent for group_id, parent in rows}


def with_descendants(parents: dict[int, int | None], roots: Iterable[int]) -> set[int]:
    """The given groups and every group nested below them."""
    children: dict[int, list[int]] = {}
    for group_id, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(group_id)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        group_id = stack.pop()
        if group_id not in seen:
            seen.add(group_id)
            stack.extend(children.get(group_id, ()))
    return seen
