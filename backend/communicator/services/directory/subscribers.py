"""M2M «users»: employees addressed by phone (AddUser, DeleteUser). See docs/m2m.md."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from communicator.db.models import Employee
from communicator.db.session import Database
from communicator.domain import Role
from communicator.schemas import EmployeeCreate, EmployeeRead
from communicator.services.core.actors import Actor
from communicator.services.core.errors import NotFound
from communicator.services.core.permissions import check_may_edit_directory
from communicator.services.directory.employees import _update_employee, check_phone, create_employee


async def add_subscriber(
    db: Database, actor: Actor, name: str, phone: str, email: str | None, web_role: Role | None, group_id: int
) -> EmployeeRead:
    """A new employee; with a web role, a login named after the phone whose password an Administrator sets later."""
    number = check_phone(phone)
    data = EmployeeCreate(
        name=name.strip()[:200] or number,
        phone=number,
        email=(email or None) and email[:200],
        group_ids=[group_id] if group_id > 0 else [],
        web_access=web_role is not None,
        role=web_role,
        login=number.lstrip("+") if web_role is not None else None,
        # Nobody knows it: the login works once an Administrator sets a password on the Users page.
        password=secrets.token_urlsafe(24) if web_role is not None else None,
    )
    return await create_employee(db, actor, data)


async def deactivate_subscriber(db: Database, actor: Actor, phone: str) -> EmployeeRead:
    """Deactivate the employee with this phone (history stays); NotFound when none has it."""
    check_may_edit_directory(actor)
    number = check_phone(phone)
    async with db.write() as session:
        query = select(Employee.id).where(Employee.account_id == actor.account_id, Employee.phone == number)
        employee_id = await session.scalar(query)
        if employee_id is None:
            raise NotFound(f"No employee has the number {number}.", {"phone": number}, code="not_found")
        return await _update_employee(session, actor, employee_id, {"active": False})
