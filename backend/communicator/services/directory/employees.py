"""Employees: people with phones, optionally with a web login and role."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, EmployeeTag, GroupMember, User
from communicator.domain import Role
from communicator.events import note_access_changed
from communicator.schemas import EmployeeCreate, EmployeeRead, EmployeeUpdate, TagRead
from communicator.services.core.access import access_row, given_fields
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.changes import get_audit_fields, get_changes
from communicator.services.core.errors import Conflict, InvalidInput, NotFound
from communicator.services.core.permissions import check_may_edit_directory, get_reach
from communicator.services.directory.groups import check_groups_exist
from communicator.services.identity.accounts import create_user
from communicator.services.identity.auth import hash_password
from communicator.services.identity.users import apply_deactivation
from communicator.sms.phones import InvalidPhone, detect_operator, normalize_phone
from communicator.sms.tags import normalize_tag

REPLY_CAPABLE_OPERATORS = frozenset({"MTS"})
# Derived from the phone; the audit line names the phone change instead.
AUDIT_SKIPPED = ("operator", "reply_capable")
# Changes that alter who sees or reaches this employee (or what the employee's own login sees).
REACH_FIELDS = frozenset({"active", "group_ids", "tags", "web_access", "role"})


def check_phone(raw: str) -> str:
    """The E.164 form of a phone, or InvalidInput naming it."""
    try:
        return normalize_phone(raw)
    except InvalidPhone as error:
        raise InvalidInput(str(error), {"numbers": [raw]}, code="invalid_phone") from error


async def list_employees(session: AsyncSession, actor: Actor, ids: list[int] | None = None) -> list[EmployeeRead]:
    """The employees the caller may see, with groups, tags and web access, sorted by name."""
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
    return [
        _read(
            employee,
            user,
            [g for g in memberships.get(employee.id, []) if reach.everyone or g in reach.group_ids],
            tags.get(employee.id, []),
        )
        for employee, user in rows
    ]


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
        operator=employee.operator,
        reply_capable=employee.operator is None or employee.operator in REPLY_CAPABLE_OPERATORS,
        tags=tags,
    )


async def get_employee(session: AsyncSession, actor: Actor, employee_id: int) -> EmployeeRead:
    """One employee the caller may see."""
    found = await list_employees(session, actor, [employee_id])
    if not found:
        raise NotFound(f"Employee {employee_id} not found.", code="not_found")
    return found[0]


async def list_tags(session: AsyncSession, actor: Actor) -> list[TagRead]:
    """The tags active employees subscribe to, counting only the subscribers the caller may see."""
    reach = await get_reach(session, actor)
    query = (
        select(EmployeeTag.tag, func.count())
        .join(Employee, Employee.id == EmployeeTag.employee_id)
        .where(EmployeeTag.account_id == actor.account_id, Employee.active.is_(True))
        .group_by(EmployeeTag.tag)
        .order_by(EmployeeTag.tag)
    )
    if not reach.everyone:
        query = query.where(EmployeeTag.employee_id.in_(reach.employee_ids))
    return [TagRead(tag=tag, subscribers=count) for tag, count in await session.execute(query)]


async def _check_phone_free(session: AsyncSession, account_id: int, phone: str, employee_id: int | None) -> None:
    """Two employees of one account cannot share a phone."""
    query = select(Employee.id).where(Employee.account_id == account_id, Employee.phone == phone)
    other = await session.scalar(query)
    if other is not None and other != employee_id:
        raise Conflict(f"Phone {phone} already belongs to another employee.", {"phone": phone}, code="phone_taken")


async def create_employee(session: AsyncSession, actor: Actor, data: EmployeeCreate) -> EmployeeRead:
    """Add an employee, their groups, tags and (when asked) their web login."""
    check_may_edit_directory(actor)
    phone = check_phone(data.phone)
    await _check_phone_free(session, actor.account_id, phone, None)
    await check_groups_exist(session, actor.account_id, data.group_ids)
    employee = Employee(
        account_id=actor.account_id,
        name=data.name.strip(),
        phone=phone,
        email=data.email or None,
        position=data.position or None,
        operator=detect_operator(phone),
        active=True,
    )
    session.add(employee)
    await session.flush()
    await _set_employee_groups(session, employee.id, data.group_ids)
    await _set_employee_tags(session, actor.account_id, employee.id, data.tags)
    if data.web_access:
        await _apply_web_access(session, actor, employee, data.role, data.login, data.password)
    await session.flush()
    read = await get_employee(session, actor, employee.id)
    target = ("employee", employee.id, employee.name)
    await record_audit(session, actor, "employee.created", target, get_audit_fields(read, AUDIT_SKIPPED))
    note_access_changed(session, actor.account_id)
    return read


async def _apply_web_access(
    session: AsyncSession,
    actor: Actor,
    employee: Employee,
    role: Role | None,
    login: str | None,
    password: str | None,
) -> None:
    """Create or update the employee's web login."""
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


async def update_employee(session: AsyncSession, actor: Actor, employee_id: int, data: EmployeeUpdate) -> EmployeeRead:
    """Change an employee; deactivating also closes their web access."""
    check_may_edit_directory(actor)
    employee = await access_row(session, Employee, employee_id, actor, "Employee")
    before = get_audit_fields(await get_employee(session, actor, employee.id), AUDIT_SKIPPED)
    changes = given_fields(data)
    await _apply_employee_changes(session, actor, employee, changes)
    await _apply_access_changes(session, actor, employee, changes)
    await session.flush()
    read = await get_employee(session, actor, employee.id)
    details = get_changes(before, get_audit_fields(read, AUDIT_SKIPPED))
    if changes.get("password"):
        details["password_changed"] = True
    if details:
        await record_audit(session, actor, "employee.updated", ("employee", employee.id, employee.name), details)
    if REACH_FIELDS & changes.keys():
        note_access_changed(session, actor.account_id)
    return read


async def _apply_employee_changes(
    session: AsyncSession, actor: Actor, employee: Employee, changes: dict[str, Any]
) -> None:
    """Change the employee's own fields, groups and tags."""
    if "phone" in changes:
        phone = check_phone(changes["phone"])
        await _check_phone_free(session, actor.account_id, phone, employee.id)  # before the row changes
        employee.phone, employee.operator = phone, detect_operator(phone)
    for field in ("name", "email", "position", "active"):
        if field in changes:
            setattr(employee, field, changes[field])
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
