"""Employees: people with phones, optionally with a web login and role."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, GroupMember, User
from communicator.schemas import EmployeeCreate, EmployeeRead, EmployeeUpdate
from communicator.services.access import access_row, given_fields
from communicator.services.actors import Actor
from communicator.services.auth import hash_password
from communicator.services.errors import Conflict, InvalidInput, NotFound
from communicator.services.groups import check_groups_exist
from communicator.services.permissions import check_may_edit_directory
from communicator.sms.phones import InvalidPhone, detect_operator, normalize_phone

REPLY_CAPABLE_OPERATORS = frozenset({"MTS"})


def check_phone(raw: str) -> str:
    """The E.164 form of a phone, or InvalidInput naming it."""
    try:
        return normalize_phone(raw)
    except InvalidPhone as error:
        raise InvalidInput(str(error), {"numbers": [raw]}, code="invalid_phone") from error


async def list_employees(session: AsyncSession, actor: Actor, ids: list[int] | None = None) -> list[EmployeeRead]:
    """The account's employees with groups and web access, sorted by name."""
    query = select(Employee, User).outerjoin(User, User.employee_id == Employee.id)
    query = query.where(Employee.account_id == actor.account_id).order_by(Employee.name, Employee.id)
    if ids is not None:
        query = query.where(Employee.id.in_(ids))
    rows = (await session.execute(query)).all()
    member_query = (
        select(GroupMember.employee_id, GroupMember.group_id)
        .where(GroupMember.employee_id.in_([employee.id for employee, _ in rows]))
        .order_by(GroupMember.group_id)
    )
    memberships: dict[int, list[int]] = {}
    for employee_id, group_id in await session.execute(member_query):
        memberships.setdefault(employee_id, []).append(group_id)
    return [_read(employee, user, memberships.get(employee.id, [])) for employee, user in rows]


def _read(employee: Employee, user: User | None, group_ids: list[int]) -> EmployeeRead:
    """The API view of an employee."""
    web = user is not None and user.active
    return EmployeeRead(
        employee.id,
        employee.name,
        employee.phone,
        employee.email,
        employee.position,
        employee.active,
        group_ids,
        web,
        user.role if user else None,
        user.login if user else None,
        employee.operator,
        employee.operator is None or employee.operator in REPLY_CAPABLE_OPERATORS,
    )


async def get_employee(session: AsyncSession, actor: Actor, employee_id: int) -> EmployeeRead:
    """One employee of the caller's account."""
    found = await list_employees(session, actor, [employee_id])
    if not found:
        raise NotFound(f"Employee {employee_id} not found.", code="not_found")
    return found[0]


async def _check_phone_free(session: AsyncSession, account_id: int, phone: str, employee_id: int | None) -> None:
    """Two employees of one account cannot share a phone."""
    query = select(Employee.id).where(Employee.account_id == account_id, Employee.phone == phone)
    other = await session.scalar(query)
    if other is not None and other != employee_id:
        raise Conflict(f"Phone {phone} already belongs to another employee.", {"phone": phone}, code="phone_taken")


async def create_employee(session: AsyncSession, actor: Actor, data: EmployeeCreate) -> EmployeeRead:
    """Add an employee, their groups and (when asked) their web login."""
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
    for group_id in set(data.group_ids):
        session.add(GroupMember(group_id=group_id, employee_id=employee.id))
    if data.web_access:
        await _apply_web_access(session, actor, employee, data.role, data.login, data.password)
    await session.flush()
    return await get_employee(session, actor, employee.id)


async def _apply_web_access(
    session: AsyncSession,
    actor: Actor,
    employee: Employee,
    role: str | None,
    login: str | None,
    password: str | None,
) -> None:
    """Create or update the employee's web login."""
    # Not session.scalar: users.employee_id is not unique, and a second login must not go unnoticed.
    user = (await session.execute(select(User).where(User.employee_id == employee.id))).scalar_one_or_none()
    if user is None:
        if not login or not password:
            raise InvalidInput("Web access needs a login and a password.", code="web_access_needs_login")
        if (await session.execute(select(User.id).where(User.login == login))).first():
            raise Conflict(f"Login «{login}» is taken.", {"login": login}, code="login_taken")
        session.add(
            User(
                account_id=actor.account_id,
                login=login,
                password_hash=hash_password(password),
                role=role or "BaseUser",
                employee_id=employee.id,
                name=employee.name,
                active=True,
            )
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
    changes = given_fields(data)
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
    await _apply_access_changes(session, actor, employee, changes)
    await session.flush()
    return await get_employee(session, actor, employee.id)


async def _set_employee_groups(session: AsyncSession, employee_id: int, group_ids: list[int]) -> None:
    """Replace the employee's direct group memberships."""
    await session.execute(GroupMember.__table__.delete().where(GroupMember.employee_id == employee_id))
    for group_id in set(group_ids):
        session.add(GroupMember(group_id=group_id, employee_id=employee_id))


async def _apply_access_changes(session: AsyncSession, actor: Actor, employee: Employee, changes: dict) -> None:
    """Turn web access on or off, or change its role or password."""
    web = changes.get("web_access")
    if web is False or changes.get("active") is False:
        await session.execute(update(User).where(User.employee_id == employee.id).values(active=False))
    elif web is True or {"role", "password"} & changes.keys():
        await _apply_web_access(
            session, actor, employee, changes.get("role"), changes.get("login"), changes.get("password")
        )
