"""M2M mailing lists, mapped onto groups: contacts are employees (found or added by phone), attributes per member."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, Group, GroupMember, MailingList, MailingListAttribute
from communicator.db.session import Database
from communicator.schemas import EmployeeCreate, GroupCreate
from communicator.services.core import permissions
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput, NotFound
from communicator.services.directory.employees import _create_employee, check_phone
from communicator.services.directory.groups import _create_group, _delete_group, _update_group

MAX_CONTACTS = 10_000


class ContactIn(msgspec.Struct, frozen=True, kw_only=True):
    """A mailing list contact as a client gives it."""

    phone: str
    name: str = ""
    attributes: dict[str, str] = {}


class ContactRead(msgspec.Struct, frozen=True, kw_only=True):
    """A mailing list contact: the member employee and their attributes in this list."""

    employee_id: int
    phone: str
    name: str
    attributes: dict[str, str]


class MailingListRead(msgspec.Struct, frozen=True, kw_only=True):
    """A mailing list (its group's id and name)."""

    id: int
    name: str


async def create_mailing_list(db: Database, actor: Actor, name: str, contacts: Sequence[ContactIn]) -> int:
    """A new group marked as a mailing list, with the contacts as members; returns its id."""
    permissions.check_may_edit_directory(actor)
    if not name.strip():
        raise InvalidInput("The mailing list needs a name.", code="name_empty")
    async with db.write() as session:
        members = await _apply_contacts(session, actor, contacts)
        group = await _create_group(session, actor, GroupCreate(name=name.strip()[:200], member_ids=list(members)))
        session.add(MailingList(group_id=group.id, account_id=actor.account_id))
        await _record_attributes(session, group.id, members)
        return group.id


async def apply_mailing_list_contacts(db: Database, actor: Actor, list_id: int, contacts: Sequence[ContactIn]) -> None:
    """Replace a mailing list's contacts and their attributes."""
    permissions.check_may_edit_directory(actor)
    async with db.write() as session:
        await _check_list(session, actor, list_id)
        members = await _apply_contacts(session, actor, contacts)
        await _update_group(session, actor, list_id, {"member_ids": list(members)})
        await session.execute(delete(MailingListAttribute).where(MailingListAttribute.group_id == list_id))
        await _record_attributes(session, list_id, members)


async def delete_mailing_lists(db: Database, actor: Actor, list_ids: Sequence[int]) -> None:
    """Delete the lists (their groups); the employees stay. Any unknown id refuses them all."""
    permissions.check_may_edit_directory(actor)
    async with db.write() as session:
        for list_id in dict.fromkeys(list_ids):
            await _check_list(session, actor, list_id)
            await _delete_group(session, actor, list_id)


async def list_mailing_lists(db: Database, actor: Actor) -> list[MailingListRead]:
    """The account's mailing lists, by id."""
    permissions.check_scope(actor, "directory:read")
    query = (
        select(Group.id, Group.name)
        .join(MailingList, MailingList.group_id == Group.id)
        .where(MailingList.account_id == actor.account_id)
        .order_by(Group.id)
    )
    async with db.read() as session:
        reach = await permissions.get_reach(session, actor)
        rows = (await session.execute(query)).all()
    return [MailingListRead(id=i, name=n) for i, n in rows if reach.everyone or i in reach.group_ids]


async def list_mailing_list_contacts(
    db: Database, actor: Actor, list_id: int, visible_only: bool = True
) -> list[ContactRead]:
    """A list's contacts the caller may see (all of them for a send, whose permission check then names any)."""
    permissions.check_scope(actor, "directory:read")
    async with db.read() as session:
        await _check_list(session, actor, list_id)
        reach = await permissions.get_reach(session, actor)
        query = (
            select(Employee.id, Employee.phone, Employee.name)
            .join(GroupMember, GroupMember.employee_id == Employee.id)
            .where(GroupMember.group_id == list_id)
            .order_by(Employee.id)
        )
        people = [
            row for row in (await session.execute(query)).all() if not visible_only or reach.sees_employee(row[0])
        ]
        attrs = select(MailingListAttribute).where(MailingListAttribute.group_id == list_id)
        by_employee: dict[int, dict[str, str]] = {}
        for attr in await session.scalars(attrs):
            by_employee.setdefault(attr.employee_id, {})[attr.name] = attr.value
    return [ContactRead(employee_id=i, phone=p, name=n, attributes=by_employee.get(i, {})) for i, p, n in people]


async def _check_list(session: AsyncSession, actor: Actor, list_id: int) -> None:
    """NotFound unless the id is a mailing list of the caller's account."""
    query = select(MailingList.group_id).where(
        MailingList.group_id == list_id, MailingList.account_id == actor.account_id
    )
    if await session.scalar(query) is None:
        raise NotFound(f"Mailing list {list_id} not found.", {"id": list_id}, code="not_found")


async def _apply_contacts(
    session: AsyncSession, actor: Actor, contacts: Sequence[ContactIn]
) -> dict[int, dict[str, str]]:
    """Each contact's employee (added when the phone is new) with its attributes, de-duplicated by phone."""
    if len(contacts) > MAX_CONTACTS:
        raise InvalidInput(f"At most {MAX_CONTACTS} contacts in one list.", code="too_many_contacts")
    by_phone = {check_phone(c.phone): c for c in contacts}
    query = select(Employee.phone, Employee.id).where(
        Employee.account_id == actor.account_id, Employee.phone.in_(list(by_phone))
    )
    known = dict((await session.execute(query)).all())
    members: dict[int, dict[str, str]] = {}
    for phone, contact in by_phone.items():
        employee_id = known.get(phone)
        if employee_id is None:
            data = EmployeeCreate(name=(contact.name.strip() or phone)[:200], phone=phone)
            employee_id = (await _create_employee(session, actor, data, phone)).id
        members[employee_id] = contact.attributes
    return members


async def _record_attributes(session: AsyncSession, list_id: int, members: dict[int, dict[str, str]]) -> None:
    """Store the members' attributes for this list."""
    rows = [
        {"group_id": list_id, "employee_id": employee_id, "name": name[:100], "value": value[:1000]}
        for employee_id, attributes in members.items()
        for name, value in attributes.items()
        if name
    ]
    if rows:
        await session.execute(insert(MailingListAttribute), rows)
