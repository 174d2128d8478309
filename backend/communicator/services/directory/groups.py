"""Groups: nested, coloured sets of employees; resolving a group to its (nested) members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, Group, GroupMember
from communicator.events import note_access_changed
from communicator.schemas import GroupCreate, GroupRead, GroupUpdate
from communicator.services.core.access import access_row, given_fields
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.changes import get_audit_fields, get_changes
from communicator.services.core.errors import InvalidInput, NotFound
from communicator.services.core.permissions import check_may_edit_directory, get_reach
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


async def list_groups(session: AsyncSession, actor: Actor) -> list[GroupRead]:
    """The groups the caller may see, with direct members and nested member counts."""
    reach = await get_reach(session, actor)
    group_query = select(Group).where(Group.account_id == actor.account_id).order_by(Group.name)
    groups = (await session.scalars(group_query)).all()
    members, active = await _list_members(session, actor.account_id)
    parents = {group.id: group.parent_id for group in groups}
    result = []
    for group in groups:
        if not reach.sees_thread("group", group.id):
            continue
        nested = with_descendants(parents, [group.id])
        # Counted as a send would: inactive members get nothing, so they are not counted.
        count = len({e for g in nested for e in members.get(g, ()) if e in active})
        # A permitted group under a parent the caller may not see shows as a top-level group.
        parent = group.parent_id if reach.sees_thread("group", group.parent_id or 0) else None
        result.append(GroupRead(group.id, group.name, group.color, parent, members.get(group.id, []), count))
    return result


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


async def get_group(session: AsyncSession, actor: Actor, group_id: int) -> GroupRead:
    """One group of the caller's account."""
    for group in await list_groups(session, actor):
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


async def check_employees_exist(session: AsyncSession, account_id: int, employee_ids: Iterable[int]) -> None:
    """Raise naming the employee ids that are not in the account."""
    wanted = set(employee_ids)
    found: set[int] = set()
    if wanted:
        query = select(Employee.id).where(Employee.account_id == account_id, Employee.id.in_(wanted))
        found = set(await session.scalars(query))
    missing = sorted(wanted - found)
    if missing:
        raise InvalidInput(
            f"Unknown employee id(s): {', '.join(map(str, missing))}.", {"employees": missing}, code="unknown_employees"
        )


async def _set_members(session: AsyncSession, group_id: int, employee_ids: Iterable[int]) -> None:
    """Replace the group's direct members."""
    await session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    rows = [{"group_id": group_id, "employee_id": e} for e in sorted(set(employee_ids))]
    if rows:
        await session.execute(insert(GroupMember), rows)


async def create_group(session: AsyncSession, actor: Actor, data: GroupCreate) -> GroupRead:
    """Create a group with its members."""
    check_may_edit_directory(actor)
    await _check_parent(session, actor.account_id, None, data.parent_id)
    await check_employees_exist(session, actor.account_id, data.member_ids)
    group = Group(account_id=actor.account_id, name=data.name.strip(), color=data.color, parent_id=data.parent_id)
    session.add(group)
    await session.flush()
    await _set_members(session, group.id, data.member_ids)
    read = await get_group(session, actor, group.id)
    await record_audit(session, actor, "group.created", ("group", group.id, group.name), _audit_fields(read))
    # Nested under a permitted group, it is visible to that group's Operators at once.
    note_access_changed(session, actor.account_id)
    return read


def _audit_fields(read: GroupRead) -> dict[str, Any]:
    """A group as audit details (the member count is derived)."""
    return get_audit_fields(read, ("member_count",))


async def update_group(session: AsyncSession, actor: Actor, group_id: int, data: GroupUpdate) -> GroupRead:
    """Change a group's name, colour, parent or members."""
    check_may_edit_directory(actor)
    await access_row(session, Group, group_id, actor, "Group")
    before = _audit_fields(await get_group(session, actor, group_id))
    changes = given_fields(data)
    if "parent_id" in changes:
        await _check_parent(session, actor.account_id, group_id, changes["parent_id"])
    if "member_ids" in changes:
        await check_employees_exist(session, actor.account_id, changes["member_ids"])
        await _set_members(session, group_id, changes.pop("member_ids"))
    if changes:
        await session.execute(update(Group).where(Group.id == group_id).values(**changes))
    read = await get_group(session, actor, group_id)
    details = get_changes(before, _audit_fields(read))
    if details:
        await record_audit(session, actor, "group.updated", ("group", group_id, read.name), details)
        note_access_changed(session, actor.account_id)
    return read


async def delete_group(session: AsyncSession, actor: Actor, group_id: int) -> None:
    """Delete a group; its subgroups move up to its parent. Messages keep their history."""
    check_may_edit_directory(actor)
    group = await access_row(session, Group, group_id, actor, "Group")
    before = _audit_fields(await get_group(session, actor, group_id))
    await session.execute(update(Group).where(Group.parent_id == group_id).values(parent_id=group.parent_id))
    await session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    await session.delete(group)
    await record_audit(session, actor, "group.deleted", ("group", group_id, group.name), before)
    note_access_changed(session, actor.account_id)
