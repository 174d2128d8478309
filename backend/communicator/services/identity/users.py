"""Web logins of an account and whom each may send to (Administrators only). See docs/permissions.md."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, PermitEmployee, PermitGroup, PermitTag, User, WebSession
from communicator.db.session import Database
from communicator.domain import Role
from communicator.events import UserCreated, UserUpdated, note_access_changed, record_event
from communicator.schemas import (
    PermissionsRead,
    PermissionsUpdate,
    ResolvedEmployee,
    WebUserCreate,
    WebUserRead,
    WebUserUpdate,
)
from communicator.schemas.types import Login, Password
from communicator.services.core.access import access_row, given_fields
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.changes import get_audit_fields, get_changes
from communicator.services.core.errors import Conflict, Forbidden, InvalidInput
from communicator.services.core.permissions import check_is_admin, get_permits, resolve_permitted
from communicator.services.directory.groups import check_employees_exist, check_groups_exist
from communicator.services.identity.accounts import create_user
from communicator.services.identity.auth import hash_password
from communicator.sms.tags import normalize_tag


def _read(user: User) -> WebUserRead:
    """The API view of a web login."""
    return WebUserRead(
        id=user.id,
        login=user.login,
        name=user.name,
        role=user.role,
        employee_id=user.employee_id,
        active=user.active,
        may_send_all=user.may_send_all,
    )


async def list_users(db: Database, actor: Actor) -> list[WebUserRead]:
    """Every web login of the account, by login."""
    check_is_admin(actor)
    async with db.read() as session:
        rows = await session.scalars(select(User).where(User.account_id == actor.account_id).order_by(User.login))
        return [_read(user) for user in rows]


def check_may_set_login(actor: Actor, login: str | None = None, password: str | None = None) -> None:
    """Logins, roles and passwords change only with the users' rights and by POST /users' rules, whatever the route."""
    check_is_admin(actor)
    if actor.token_id is not None:
        # No token scope grants the users' rights: a directory:write token must not mint an Administrator.
        raise Forbidden("An API token may not create logins or change roles and passwords.", code="token_not_allowed")
    for field, value, rule in (("login", login, Login), ("password", password, Password)):
        try:
            msgspec.convert(value, rule | None)
        except msgspec.ValidationError as error:
            raise InvalidInput(f"Invalid {field}: {error}.", {"field": field}, code=f"invalid_{field}") from error


async def create_web_user(db: Database, actor: Actor, data: WebUserCreate) -> WebUserRead:
    """A new web login, optionally an employee's own."""
    check_may_set_login(actor, data.login, data.password)
    async with db.write() as session:
        return await _create_web_user(session, actor, data)


async def _create_web_user(session: AsyncSession, actor: Actor, data: WebUserCreate) -> WebUserRead:
    """create_web_user inside its transaction."""
    name = data.name.strip()
    if data.employee_id is not None:
        employee = await _check_employee_without_login(session, actor.account_id, data.employee_id)
        name = name or employee.name
    user = await create_user(session, actor.account_id, data.login, data.password, data.role, name, data.employee_id)
    read = _read(user)
    await record_audit(session, actor, "user.created", ("user", user.id, user.login), get_audit_fields(read))
    note_access_changed(session, actor.account_id)
    await record_event(session, actor.account_id, UserCreated(user=read))
    if user.employee_id is not None:
        await _record_employee_changed(session, actor, user.employee_id)
    return read


async def _check_employee_without_login(session: AsyncSession, account_id: int, employee_id: int) -> Employee:
    """The employee a new login is for: one of the account's, without a login yet."""
    await check_employees_exist(session, account_id, [employee_id])
    employee = await session.get_one(Employee, employee_id)
    taken = await session.scalar(select(User.login).where(User.employee_id == employee_id).limit(1))
    if taken is not None:
        raise Conflict(
            f"Employee «{employee.name}» already has the login «{taken}».",
            {"employee_id": employee_id, "login": taken},
            code="employee_has_login",
        )
    return employee


async def update_web_user(db: Database, actor: Actor, user_id: int, data: WebUserUpdate) -> WebUserRead:
    """Change a login's role, name, password or active flag; deactivating ends its sessions now."""
    changes = given_fields(data)
    check_may_set_login(actor, password=changes.get("password"))
    async with db.write() as session:
        return await _update_web_user(session, actor, user_id, changes)


async def _update_web_user(session: AsyncSession, actor: Actor, user_id: int, changes: dict[str, Any]) -> WebUserRead:
    """update_web_user inside its transaction."""
    user = await access_row(session, User, user_id, actor, "User")
    _check_not_self_lockout(actor, user, changes)
    before = get_audit_fields(_read(user))
    for field in ("role", "name", "active"):
        if field in changes:
            setattr(user, field, changes[field])
    if "password" in changes:
        user.password_hash = hash_password(changes["password"])
    if changes.get("active") is False:
        await apply_deactivation(session, User.id == user.id)
    read = _read(user)
    details = get_changes(before, get_audit_fields(read))
    if "password" in changes:
        details["password_changed"] = True
    if details:
        await record_audit(session, actor, "user.updated", ("user", user.id, user.login), details)
        note_access_changed(session, actor.account_id)
        await record_event(session, actor.account_id, UserUpdated(user=read))
        if user.employee_id is not None and {"role", "active"} & details.keys():
            await _record_employee_changed(session, actor, user.employee_id)
    return read


async def _record_employee_changed(session: AsyncSession, actor: Actor, employee_id: int) -> None:
    """The employee's directory entry shows their login's role and state: record employee.updated."""
    # Imported here: the employees module imports this one (deactivation, login events).
    from communicator.services.directory.employees import record_employee_changed

    await record_employee_changed(session, actor, employee_id)


async def record_login_changed(session: AsyncSession, actor: Actor, employee_id: int, created: bool) -> None:
    """Record user.created or user.updated for an employee's own login, changed through the directory."""
    user = (await session.execute(select(User).where(User.employee_id == employee_id))).scalar_one()
    event = UserCreated(user=_read(user)) if created else UserUpdated(user=_read(user))
    await record_event(session, actor.account_id, event)


def _check_not_self_lockout(actor: Actor, user: User, changes: dict[str, Any]) -> None:
    """An Administrator cannot demote or deactivate themself (the account could be left without one)."""
    if user.id != actor.user_id:
        return
    if changes.get("role", Role.ADMINISTRATOR) != Role.ADMINISTRATOR or changes.get("active") is False:
        raise Forbidden("You cannot demote or deactivate yourself; ask another Administrator.", code="self_lockout")


async def apply_deactivation(session: AsyncSession, which: ColumnElement[bool]) -> None:
    """Deactivate the matching logins and delete their sessions, so they are logged out at once."""
    await session.execute(update(User).where(which).values(active=False))
    await session.execute(delete(WebSession).where(WebSession.user_id.in_(select(User.id).where(which))))


async def get_permissions(db: Database, actor: Actor, user_id: int) -> PermissionsRead:
    """A user's permissions and the employees they reach."""
    check_is_admin(actor)
    async with db.read() as session:
        return await _get_permissions(session, actor, user_id)


async def _get_permissions(session: AsyncSession, actor: Actor, user_id: int) -> PermissionsRead:
    """get_permissions inside a transaction."""
    user = await access_row(session, User, user_id, actor, "User")
    groups, employees, tags = await get_permits(session, user.id)
    stored = PermissionsUpdate(all=user.may_send_all, groups=groups, employees=employees, tags=tags)
    return await _resolve(session, actor.account_id, stored)


async def apply_permissions(db: Database, actor: Actor, user_id: int, data: PermissionsUpdate) -> PermissionsRead:
    """Replace a user's permissions: everyone, or the listed groups, employees and tags."""
    check_is_admin(actor)
    async with db.write() as session:
        return await _apply_permissions(session, actor, user_id, data)


async def _apply_permissions(
    session: AsyncSession, actor: Actor, user_id: int, data: PermissionsUpdate
) -> PermissionsRead:
    """apply_permissions inside its transaction."""
    before = await _get_permissions(session, actor, user_id)
    wanted = await _check_permissions(session, actor.account_id, data)
    user = await access_row(session, User, user_id, actor, "User")
    user.may_send_all = wanted.all
    for model in (PermitGroup, PermitEmployee, PermitTag):
        await session.execute(delete(model).where(model.user_id == user.id))
    session.add_all(PermitGroup(user_id=user.id, group_id=g) for g in wanted.groups)
    session.add_all(PermitEmployee(user_id=user.id, employee_id=e) for e in wanted.employees)
    session.add_all(PermitTag(user_id=user.id, tag=t) for t in wanted.tags)
    after = await _resolve(session, actor.account_id, wanted)
    details = get_changes(get_audit_fields(before, ("resolved",)), get_audit_fields(after, ("resolved",)))
    if details:
        details["resolved_count"] = [len(before.resolved), len(after.resolved)]
        await record_audit(session, actor, "permissions.updated", ("user", user.id, user.login), details)
        note_access_changed(session, actor.account_id)
        await record_event(session, actor.account_id, UserUpdated(user=_read(user)))
    return after


async def preview_permissions(db: Database, actor: Actor, data: PermissionsUpdate) -> PermissionsRead:
    """What a permission set would reach, without saving it (the editor's live list)."""
    check_is_admin(actor)
    async with db.read() as session:
        return await _resolve(session, actor.account_id, await _check_permissions(session, actor.account_id, data))


async def _check_permissions(session: AsyncSession, account_id: int, data: PermissionsUpdate) -> PermissionsUpdate:
    """The permission set with ids checked against the account, each once and sorted, tags normalized."""
    await check_groups_exist(session, account_id, data.groups)
    await check_employees_exist(session, account_id, data.employees)
    return PermissionsUpdate(
        all=data.all,
        groups=sorted(set(data.groups)),
        employees=sorted(set(data.employees)),
        tags=sorted({normalize_tag(t) for t in data.tags}),
    )


async def _resolve(session: AsyncSession, account_id: int, permits: PermissionsUpdate) -> PermissionsRead:
    """The permission set with the active employees it reaches (all of them for `all`), by name."""
    query = select(Employee.id, Employee.name, Employee.phone).where(
        Employee.account_id == account_id, Employee.active.is_(True)
    )
    if not permits.all:
        employee_ids, _ = await resolve_permitted(session, account_id, permits.groups, permits.employees, permits.tags)
        query = query.where(Employee.id.in_(employee_ids))
    rows = await session.execute(query.order_by(Employee.name, Employee.id))
    resolved = [ResolvedEmployee(id=id_, name=name, phone=phone) for id_, name, phone in rows]
    return PermissionsRead(
        all=permits.all, groups=permits.groups, employees=permits.employees, tags=permits.tags, resolved=resolved
    )
