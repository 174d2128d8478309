"""Groups: nested, coloured sets of employees; resolving a group to its (nested) members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, Group, GroupMember
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.events import GroupCreated, GroupDeleted, GroupUpdated, note_access_changed, record_event
from communicator.schemas import GroupCreate, GroupRead, GroupUpdate
from communicator.services.core.access import access_row, given_fields
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.changes import get_audit_fields, get_changes
from communicator.services.core.errors import InvalidInput, NotFound
from communicator.services.core.permissions import Reach, check_may_edit_directory, check_scope, get_reach
from communicator.services.directory.group_tree import get_group_parents, with_descendants


async def check_groups_exist(session: AsyncSession, account_id: int, group_ids: Iterable[int]) -> None:
    """Raise naming the group ids that are not in the account."""
    wanted = set(group_ids)
    if not wanted:
        return
    missing = sorted(wanted - set(await get_group_parents(session, account_id)))
    if missing:
        raise InvalidInput(
            f"Unknown group id(s): {', '.join(map(str, missing))}.", {"groups": missing}, code="unknown_groups"
        )


async def list_group_member_phones(session: AsyncSession, account_id: int, group_ids: Iterable[int]) -> dict[int, str]:
    """Active employees in the groups, nested groups included, with their phones."""
    roots = set(group_ids)
    if not roots:
        return {}  # most sends name no group: spare them the group tree query
    closure = with_descendants(await get_group_parents(session, account_id), roots)
    query = (
        select(GroupMember.employee_id, Employee.phone)
        .join(Employee, Employee.id == GroupMember.employee_id)
        .where(GroupMember.group_id.in_(closure), Employee.active.is_(True))
    )
    return dict((await session.execute(query)).all())


async def list_groups(db: Database, actor: Actor) -> list[GroupRead]:
    """The groups the caller may see, with direct members and nested member counts."""
    check_scope(actor, "directory:read")
    async with db.read() as session:
        return await _list_groups(session, actor)


async def _list_groups(session: AsyncSession, actor: Actor) -> list[GroupRead]:
    """list_groups inside a transaction."""
    reach = await get_reach(session, actor)
    group_query = select(Group).where(Group.account_id == actor.account_id).order_by(Group.name)
    groups = (await session.scalars(group_query)).all()
    members, active = await _list_members(session, actor.account_id)
    parents = {group.id: group.parent_id for group in groups}
    result = []
    for group in groups:
        nested = with_descendants(parents, [group.id])
        # Counted as a send would: inactive members get nothing, so they are not counted.
        count = len({e for g in nested for e in members.get(g, ()) if e in active})
        read = GroupRead(
            id=group.id,
            name=group.name,
            color=group.color,
            parent_id=group.parent_id,
            member_ids=members.get(group.id, []),
            member_count=count,
        )
        visible = get_visible_group(read, reach)
        if visible is not None:
            result.append(visible)
    return result


def get_visible_group(read: GroupRead, reach: Reach) -> GroupRead | None:
    """The group as a reach shows it (REST and events): None outside it; under a hidden parent, top-level."""
    if not reach.sees_thread(ThreadKind.GROUP, read.id):
        return None
    if read.parent_id is None or reach.sees_thread(ThreadKind.GROUP, read.parent_id):
        return read
    return msgspec.structs.replace(read, parent_id=None)


async def list_groups_around(session: AsyncSession, actor: Actor, group_ids: Iterable[int | None]) -> list[GroupRead]:
    """The given groups and their ancestors (their nested counts include them), as the caller sees them."""
    wanted = {g for g in group_ids if g is not None}
    if not wanted:
        return []
    groups = await _list_groups(session, actor)
    parents = {group.id: group.parent_id for group in groups}
    for group_id in list(wanted):
        parent = parents.get(group_id)
        while parent is not None and parent not in wanted:
            wanted.add(parent)
            parent = parents.get(parent)
    return [group for group in groups if group.id in wanted]


async def _list_members(session: AsyncSession, account_id: int) -> tuple[dict[int, list[int]], set[int]]:
    """Direct members of every group of the account, and which of them are active."""
    member_query = (
        select(GroupMember.group_id, GroupMember.employee_id, Employee.active)
        .join(Employee, Employee.id == GroupMember.employee_id)
        .where(Employee.account_id == account_id)
        .order_by(GroupMember.employee_id)
    )
    members: dict[int, list[int]] = {}
    active: set[int] = set()
    for group_id, employee_id, is_active in await session.execute(member_query):
        members.setdefault(group_id, []).append(employee_id)
        if is_active:
            active.add(employee_id)
    return members, active


async def _get_group(session: AsyncSession, actor: Actor, group_id: int) -> GroupRead:
    """One group of the caller's account."""
    for group in await _list_groups(session, actor):
        if group.id == group_id:
            return group
    raise NotFound(f"Group {group_id} not found.", code="not_found")


async def _check_parent(session: AsyncSession, account_id: int, group_id: int | None, parent_id: int | None) -> None:
    """The parent must exist and must not be the group itself or nested inside it."""
    if parent_id is None:
        return
    parents = await get_group_parents(session, account_id)
    if parent_id not in parents:
        raise InvalidInput(f"Unknown parent group id: {parent_id}.", {"groups": [parent_id]}, code="unknown_groups")
    if group_id is not None and parent_id in with_descendants(parents, [group_id]):
        raise InvalidInput("A group cannot be nested inside itself or its own subgroup.", code="group_cycle")


async def check_employees_exist(
    session: AsyncSession, account_id: int, employee_ids: Iterable[int], active_only: bool = False
) -> dict[int, str]:
    """The phone of each employee by id, or InvalidInput naming the ids not in the account (or not active)."""
    wanted = set(employee_ids)
    found: dict[int, str] = {}
    if wanted:
        query = select(Employee.id, Employee.phone).where(Employee.account_id == account_id, Employee.id.in_(wanted))
        if active_only:
            query = query.where(Employee.active.is_(True))
        found = dict((await session.execute(query)).all())
    missing = sorted(wanted - found.keys())
    if missing:
        which = "Unknown or inactive" if active_only else "Unknown"
        raise InvalidInput(
            f"{which} employee id(s): {', '.join(map(str, missing))}.", {"employees": missing}, code="unknown_employees"
        )
    return found


async def _set_members(session: AsyncSession, group_id: int, employee_ids: Iterable[int]) -> None:
    """Replace the group's direct members."""
    await session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    rows = [{"group_id": group_id, "employee_id": e} for e in sorted(set(employee_ids))]
    if rows:
        await session.execute(insert(GroupMember), rows)


async def create_group(db: Database, actor: Actor, data: GroupCreate) -> GroupRead:
    """Create a group with its members."""
    check_may_edit_directory(actor)
    async with db.write() as session:
        return await _create_group(session, actor, data)


async def _create_group(session: AsyncSession, actor: Actor, data: GroupCreate) -> GroupRead:
    """create_group inside its transaction."""
    await _check_parent(session, actor.account_id, None, data.parent_id)
    await check_employees_exist(session, actor.account_id, data.member_ids)
    group = Group(account_id=actor.account_id, name=data.name.strip(), color=data.color, parent_id=data.parent_id)
    session.add(group)
    await session.flush()
    await _set_members(session, group.id, data.member_ids)
    read = await _get_group(session, actor, group.id)
    await record_audit(session, actor, "group.created", ("group", group.id, group.name), _audit_fields(read))
    # Nested under a permitted group, it is visible to that group's Operators at once.
    note_access_changed(session, actor.account_id)
    ancestors = await list_groups_around(session, actor, [group.parent_id])
    await record_event(session, actor.account_id, GroupCreated(group=read, groups=ancestors))
    return read


def _audit_fields(read: GroupRead) -> dict[str, Any]:
    """A group as audit details (the member count is derived)."""
    return get_audit_fields(read, ("member_count",))


async def update_group(db: Database, actor: Actor, group_id: int, data: GroupUpdate) -> GroupRead:
    """Change a group's name, colour, parent or members."""
    check_may_edit_directory(actor)
    async with db.write() as session:
        return await _update_group(session, actor, group_id, given_fields(data))


async def _update_group(session: AsyncSession, actor: Actor, group_id: int, changes: dict[str, Any]) -> GroupRead:
    """update_group inside its transaction."""
    await access_row(session, Group, group_id, actor, "Group")
    before = _audit_fields(await _get_group(session, actor, group_id))
    if "parent_id" in changes:
        await _check_parent(session, actor.account_id, group_id, changes["parent_id"])
    if "member_ids" in changes:
        await check_employees_exist(session, actor.account_id, changes["member_ids"])
        await _set_members(session, group_id, changes.pop("member_ids"))
    if changes:
        await session.execute(update(Group).where(Group.id == group_id).values(**changes))
    read = await _get_group(session, actor, group_id)
    details = get_changes(before, _audit_fields(read))
    if details:
        await record_audit(session, actor, "group.updated", ("group", group_id, read.name), details)
        note_access_changed(session, actor.account_id)
        around = await list_groups_around(session, actor, [before["parent_id"], read.parent_id])
        others = [g for g in around if g.id != group_id]
        await record_event(session, actor.account_id, GroupUpdated(group=read, groups=others))
    return read


async def delete_group(db: Database, actor: Actor, group_id: int) -> None:
    """Delete a group; its subgroups move up to its parent. Messages keep their history."""
    check_may_edit_directory(actor)
    async with db.write() as session:
        await _delete_group(session, actor, group_id)


async def _delete_group(session: AsyncSession, actor: Actor, group_id: int) -> None:
    """delete_group inside its transaction."""
    group = await access_row(session, Group, group_id, actor, "Group")
    before = _audit_fields(await _get_group(session, actor, group_id))
    children = list(await session.scalars(select(Group.id).where(Group.parent_id == group_id)))
    await session.execute(update(Group).where(Group.parent_id == group_id).values(parent_id=group.parent_id))
    await session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    await session.delete(group)
    await record_audit(session, actor, "group.deleted", ("group", group_id, group.name), before)
    note_access_changed(session, actor.account_id)
    around = await list_groups_around(session, actor, [*children, group.parent_id])
    await record_event(session, actor.account_id, GroupDeleted(group_id=group_id, groups=around))
