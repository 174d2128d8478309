"""Groups: nesting, counts as a send would count, cycles refused."""

from __future__ import annotations

import pytest

from communicator.db.session import Database
from communicator.schemas import EmployeeUpdate, GroupCreate, GroupUpdate
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.directory.employees import update_employee
from communicator.services.directory.groups import create_group, list_group_member_phones, list_groups, update_group


async def _counts(db: Database, admin: Actor) -> dict[str, int]:
    return {g.name: g.member_count for g in await list_groups(db, admin)}


async def test_parent_counts_its_children_members_once(db: Database, admin: Actor) -> None:
    north = await create_group(db, admin, GroupCreate(name="Север", parent_id=1, member_ids=[1, 2, 8]))
    await create_group(db, admin, GroupCreate(name="Север-1", parent_id=north.id, member_ids=[9]))
    counts = await _counts(db, admin)
    assert counts["Север"] == 4 and counts["Монтажники"] == 8 + 2  # 8 and 9 are new to it; 1 and 2 counted once
    async with db.read() as session:
        assert set(await list_group_member_phones(session, admin.account_id, [1])) == {1, 2, 3, 4, 5, 6, 7, 19, 8, 9}


async def test_inactive_members_are_not_counted_or_sent_to(db: Database, admin: Actor) -> None:
    await update_employee(db, admin, 8, EmployeeUpdate(active=False))
    assert (await _counts(db, admin))["Замерщики"] == 4
    async with db.read() as session:
        assert 8 not in await list_group_member_phones(session, admin.account_id, [2])


async def test_a_group_cannot_be_nested_in_its_own_subgroup(db: Database, admin: Actor) -> None:
    child = await create_group(db, admin, GroupCreate(name="Дочерняя", parent_id=1))
    with pytest.raises(InvalidInput) as refused:
        await update_group(db, admin, 1, GroupUpdate(parent_id=child.id))
    assert refused.value.code == "group_cycle"
