"""Employees: people with phones, optionally with a web login and role."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, EmployeeTag, GroupMember, User
from communicator.db.session import Database
from communicator.domain import Role
from communicator.events import EmployeeCreated, EmployeeUpdated, note_access_changed, record_event
from communicator.schemas import EmployeeCreate, EmployeeRead, EmployeeUpdate
from communicator.services.core.access import access_row, given_fields
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.changes import get_audit_fields, get_changes
from communicator.services.core.errors import Conflict, InvalidInput, NotFound
from communicator.services.core.permissions import Reach, check_may_edit_directory, check_scope, get_reach
from communicator.services.directory.groups import check_groups_exist, list_groups_around
from communicator.services.directory.numbering import get_operator, is_reply_capable
from communicator.services.identity.accounts import create_user
from communicator.services.identity.auth import hash_password
from communicator.services.identity.users import apply_deactivation, check_may_set_login, record_login_changed
from communicator.sms.phones import InvalidPhone, normalize_phone
from communicator.sms.tags import normalize_tag

# Derived from the phone; the audit line names the phone change instead.
AUDIT_SKIPPED = ("operator", "reply_capable")
# Changes that alter who sees or reaches this employee (or what the employee's own login sees).
REACH_FIELDS = frozenset({"active", "group_ids", "tags", "web_access", "role"})
# Changes that alter the employee's own login as the users page shows it.
LOGIN_FIELDS = frozenset({"active", "web_access", "role"})


def check_phones(raw_numbers: list[str]) -> list[str]:
    """The E.164 form of every number, or one InvalidInput naming all the invalid ones."""
    valid, invalid = [], []
    for raw in raw_numbers:
        try:
            valid.append(normalize_phone(raw))
        except InvalidPhone:
            invalid.append(raw)
    if invalid:
        listed = ", ".join(f"«{raw}»" for raw in invalid)
        raise InvalidInput(f"Invalid phone number(s): {listed}.", {"numbers": invalid}, code="invalid_phone")
    return valid


def check_phone(raw: str) -> str:
    """The E.164 form of one phone, or InvalidInput naming it."""
    return check_phones([raw])[0]


async def list_employees(db: Database, actor: Actor, ids: list[int] | None = None) -> list[EmployeeRead]:
    """The employees the caller may see, with groups, tags and web access, sorted by name."""
    check_scope(actor, "directory:read")
    async with db.read() as session:
        return await _list_employees(session, actor, ids)


async def _list_employees(session: AsyncSession, actor: Actor, ids: list[int] | None = None) -> list[EmployeeRead]:
    """list_employees inside a transaction."""
    reach = await get_reach(session, actor)
    query = select(Employee, User).outerjoin(User, User.employee_id == Employee.id)
    query = query.where(Employee.account_id == actor.account_id).order_by(Employee.name, Employee.id)
    if ids is not None:
        query = query.where(Employee.id.in_(ids))
    if not reach.everyone:
        query = query.where(Employee.id.in_(reach.employee_ids))
    rows = (await session.execute(query)).all()
    employee_ids = [employee.id for employee, _ in rows]
    memberships = await _list_by_employee(session, GroupMember.group_id, employee_ids)
    tags = await _list_by_employee(session, EmployeeTag.tag, employee_ids)
    reads = [_read(e, user, memberships.get(e.id, []), tags.get(e.id, [])) for e, user in rows]
    return [visible for visible in (get_visible_employee(read, reach) for read in reads) if visible is not None]


def get_visible_employee(read: EmployeeRead, reach: Reach) -> EmployeeRead | None:
    """The employee as a reach shows it (REST and events): None outside it, with only its visible groups."""
    if reach.everyone:
        return read
    if not reach.sees_employee(read.id):
        return None
    return msgspec.structs.replace(read, group_ids=[g for g in read.group_ids if g in reach.group_ids])


async def _list_by_employee(session: AsyncSession, column: Any, employee_ids: list[int]) -> dict[int, list[Any]]:
    """One column of a per-employee table (group memberships, tags), sorted, by employee."""
    model = column.class_
    query = select(model.employee_id, column).where(model.employee_id.in_(employee_ids)).order_by(column)
    found: dict[int, list[Any]] = {}
    for employee_id, value in await session.execute(query):
        found.setdefault(employee_id, []).append(value)
    return found


def _read(employee: Employee, user: User | None, group_ids: list[int], tags: list[str]) -> EmployeeRead:
    """The API view of an employee."""
    web = user is not None and user.active
    operator = get_operator(employee.phone, employee.operator_override)
    return EmployeeRead(
        id=employee.id,
        name=employee.name,
        phone=employee.phone,
        email=employee.email,
        position=employee.position,
        active=employee.active,
        group_ids=group_ids,
        web_access=web,
        role=user.role if user else None,
        login=user.login if user else None,
        operator=operator,
        operator_override=employee.operator_override,
        reply_capable=is_reply_capable(operator),
        tags=tags,
    )


async def _get_employee(session: AsyncSession, actor: Actor, employee_id: int) -> EmployeeRead:
    """One employee the caller may see, as the API shows it."""
    found = await _list_employees(session, actor, [employee_id])
    if not found:
        raise NotFound(f"Employee {employee_id} not found.", code="not_found")
    return found[0]


async def _check_phone_free(session: AsyncSession, account_id: int, phone: str, employee_id: int | None) -> None:
    """Two employees of one account cannot share a phone."""
    query = select(Employee.id).where(Employee.account_id == account_id, Employee.phone == phone)
    other = await session.scalar(query)
    if other is not None and other != employee_id:
        raise Conflict(f"Phone {phone} already belongs to another employee.", {"phone": phone}, code="phone_taken")


async def create_employee(db: Database, actor: Actor, data: EmployeeCreate) -> EmployeeRead:
    """Add an employee, their groups, tags and (when asked) their web login."""
    check_may_edit_directory(actor)
    phone = check_phone(data.phone)
    async with db.write() as session:
        return await _create_employee(session, actor, data, phone)


async def _create_employee(session: AsyncSession, actor: Actor, data: EmployeeCreate, phone: str) -> EmployeeRead:
    """create_employee inside its transaction."""
    await _check_phone_free(session, actor.account_id, phone, None)
    await check_groups_exist(session, actor.account_id, data.group_ids)
    employee = Employee(
        account_id=actor.account_id,
        name=data.name.strip(),
        phone=phone,
        email=data.email or None,
        position=data.position or None,
        operator=get_operator(phone),
        operator_override=data.operator_override or None,
        active=True,
    )
    session.add(employee)
    await session.flush()
    await _set_employee_groups(session, employee.id, data.group_ids)
    await _set_employee_tags(session, actor.account_id, employee.id, data.tags)
    if data.web_access:
        await _apply_web_access(session, actor, employee, data.role, data.login, data.password)
    await session.flush()
    read = await _get_employee(session, actor, employee.id)
    target = ("employee", employee.id, employee.name)
    await record_audit(session, actor, "employee.created", target, get_audit_fields(read, AUDIT_SKIPPED))
    note_access_changed(session, actor.account_id)
    groups = await list_groups_around(session, actor, read.group_ids)
    await record_event(session, actor.account_id, EmployeeCreated(employee=read, groups=groups))
    if read.login is not None:
        await record_login_changed(session, actor, employee.id, created=True)
    return read


async def _apply_web_access(
    session: AsyncSession,
    actor: Actor,
    employee: Employee,
    role: Role | None,
    login: str | None,
    password: str | None,
) -> None:
    """Create or update the employee's web login (the users' rights and rules, as on POST /users)."""
    check_may_set_login(actor, login, password)
    # Not session.scalar: users.employee_id is not unique, and a second login must not go unnoticed.
    user = (await session.execute(select(User).where(User.employee_id == employee.id))).scalar_one_or_none()
    if user is None:
        if not login or not password:
            raise InvalidInput("Web access needs a login and a password.", code="web_access_needs_login")
        await create_user(
            session, actor.account_id, login, password, role or Role.BASE_USER, employee.name, employee.id
        )
        return
    user.active = True
    user.role = role or user.role
    if password:
        user.password_hash = hash_password(password)


async def update_employee(db: Database, actor: Actor, employee_id: int, data: EmployeeUpdate) -> EmployeeRead:
    """Change an employee; deactivating also closes their web access."""
    check_may_edit_directory(actor)
    async with db.write() as session:
        return await _update_employee(session, actor, employee_id, given_fields(data))


async def _update_employee(
    session: AsyncSession, actor: Actor, employee_id: int, changes: dict[str, Any]
) -> EmployeeRead:
    """update_employee inside its transaction."""
    employee = await access_row(session, Employee, employee_id, actor, "Employee")
    before = get_audit_fields(await _get_employee(session, actor, employee.id), AUDIT_SKIPPED)
    await _apply_employee_changes(session, actor, employee, changes)
    await _apply_access_changes(session, actor, employee, changes)
    await session.flush()
    read = await _get_employee(session, actor, employee.id)
    details = get_changes(before, get_audit_fields(read, AUDIT_SKIPPED))
    if changes.get("password"):
        details["password_changed"] = True
    if details:
        await record_audit(session, actor, "employee.updated", ("employee", employee.id, employee.name), details)
    if REACH_FIELDS & changes.keys():
        note_access_changed(session, actor.account_id)
    if details:
        await _record_employee_updated(session, actor, read, before, changes)
    return read


async def _record_employee_updated(
    session: AsyncSession, actor: Actor, read: EmployeeRead, before: dict[str, Any], changes: dict[str, Any]
) -> None:
    """The employee.updated event with the groups it changed, and user.* when their own login changed."""
    touched = [*before["group_ids"], *read.group_ids] if {"group_ids", "active"} & changes.keys() else []
    groups = await list_groups_around(session, actor, touched)
    await record_event(session, actor.account_id, EmployeeUpdated(employee=read, groups=groups))
    if LOGIN_FIELDS & changes.keys() and read.login is not None:
        await record_login_changed(session, actor, read.id, created=before["login"] is None)


async def record_employee_changed(session: AsyncSession, actor: Actor, employee_id: int) -> None:
    """Record employee.updated for an employee whose login changed on the users page."""
    read = await _get_employee(session, actor, employee_id)
    await record_event(session, actor.account_id, EmployeeUpdated(employee=read, groups=[]))


async def _apply_employee_changes(
    session: AsyncSession, actor: Actor, employee: Employee, changes: dict[str, Any]
) -> None:
    """Change the employee's own fields, groups and tags."""
    if "phone" in changes:
        phone = check_phone(changes["phone"])
        await _check_phone_free(session, actor.account_id, phone, employee.id)  # before the row changes
        employee.phone, employee.operator = phone, get_operator(phone)
    for field in ("name", "email", "position", "active"):
        if field in changes:
            setattr(employee, field, changes[field])
    if "operator_override" in changes:
        employee.operator_override = changes["operator_override"] or None
    if "group_ids" in changes:
        await check_groups_exist(session, actor.account_id, changes["group_ids"])
        await _set_employee_groups(session, employee.id, changes["group_ids"])
    if "tags" in changes:
        await _set_employee_tags(session, actor.account_id, employee.id, changes["tags"])


async def _set_employee_groups(session: AsyncSession, employee_id: int, group_ids: list[int]) -> None:
    """Replace the employee's direct group memberships."""
    await session.execute(delete(GroupMember).where(GroupMember.employee_id == employee_id))
    for group_id in set(group_ids):
        session.add(GroupMember(group_id=group_id, employee_id=employee_id))


async def _set_employee_tags(session: AsyncSession, account_id: int, employee_id: int, tags: list[str]) -> None:
    """Replace the tags the employee subscribes to (stored normalized, each once)."""
    await session.execute(delete(EmployeeTag).where(EmployeeTag.employee_id == employee_id))
    for tag in sorted({normalize_tag(t) for t in tags}):
        session.add(EmployeeTag(employee_id=employee_id, tag=tag, account_id=account_id))


async def _apply_access_changes(
    session: AsyncSession, actor: Actor, employee: Employee, changes: dict[str, Any]
) -> None:
    """Turn web access on or off, or change its role or password."""
    web = changes.get("web_access")
    if web is False or changes.get("active") is False:
        await apply_deactivation(session, User.employee_id == employee.id)
    elif web is True or {"role", "password"} & changes.keys():
        await _apply_web_access(
            session, actor, employee, changes.get("role"), changes.get("login"), changes.get("password")
        )


async def record_employee(session: AsyncSession, actor: Actor, data: EmployeeCreate) -> EmployeeRead:
    """create_employee inside the caller's transaction (a contact becoming an employee keeps its thread)."""
    check_may_edit_directory(actor)
    return await _create_employee(session, actor, data, check_phone(data.phone))
