"""The directory as an import compares against it: employees by phone, groups by path."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, EmployeeTag, Group, GroupMember
from communicator.services.directory.transfer.columns import PATH_SEPARATOR, path_key


@dataclass
class Person:
    """One employee's importable fields."""

    id: int
    phone: str
    name: str
    position: str | None
    email: str | None
    active: bool
    operator: str | None  # the admin's override; None: from the numbering plan
    group_ids: set[int] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)


@dataclass
class Snapshot:
    """Employees by E.164 phone, sorted by name; each group's path («Склад / Ночная смена») and paths to ids."""

    people: dict[str, Person]
    paths: dict[int, str]
    ids_by_path: dict[str, list[int]]  # path_key → groups (two siblings may share a name)


async def load_snapshot(session: AsyncSession, account_id: int) -> Snapshot:
    """The account's employees, memberships, tags and groups, in four queries."""
    query = select(Employee).where(Employee.account_id == account_id).order_by(Employee.name, Employee.id)
    people = {
        e.phone: Person(e.id, e.phone, e.name, e.position, e.email, e.active, e.operator_override)
        for e in await session.scalars(query)
    }
    by_id = {person.id: person for person in people.values()}
    members = (
        select(GroupMember.employee_id, GroupMember.group_id).join(Employee).where(Employee.account_id == account_id)
    )
    for employee_id, group_id in await session.execute(members):
        by_id[employee_id].group_ids.add(group_id)
    tags = select(EmployeeTag.employee_id, EmployeeTag.tag).where(EmployeeTag.account_id == account_id)
    for employee_id, tag in await session.execute(tags):
        by_id[employee_id].tags.add(tag)
    groups = (
        await session.execute(select(Group.id, Group.name, Group.parent_id).where(Group.account_id == account_id))
    ).all()
    paths = _paths({g.id: (g.name, g.parent_id) for g in groups})
    ids_by_path: dict[str, list[int]] = {}
    for group_id, path in paths.items():
        ids_by_path.setdefault(path_key(path), []).append(group_id)
    return Snapshot(people, paths, ids_by_path)


def _paths(groups: dict[int, tuple[str, int | None]]) -> dict[int, str]:
    """Each group's names from the top down, joined by « / »."""
    paths: dict[int, str] = {}

    def path(group_id: int, depth: int = 0) -> str:
        if group_id not in paths:
            name, parent = groups[group_id]
            # depth bounds a cycle the services never let in, rather than trusting it away
            above = path(parent, depth + 1) if parent in groups and depth < 100 else None
            paths[group_id] = f"{above}{PATH_SEPARATOR}{name}" if above else name
        return paths[group_id]

    for group_id in groups:
        path(group_id)
    return paths
