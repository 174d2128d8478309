"""Accounts (companies) and their first users: created by a platform admin (API) or on the command line.

`create_account` and `create_user` are building blocks that run inside an action's write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Employee, User
from communicator.db.session import Database
from communicator.domain import Role
from communicator.schemas import AccountCreate, AccountRead, AccountUpdate
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import Conflict, InvalidInput, NotFound
from communicator.services.core.permissions import check_is_platform_admin
from communicator.services.identity.auth import hash_password


async def create_account(
    session: AsyncSession,
    name: str,
    short_number: str = "4938",
    sender_names: Sequence[str] = (),
    plan: str = "Company",
    timezone: str = "Europe/Moscow",
) -> Account:
    """A new company."""
    account = Account(
        name=name,
        short_number=short_number,
        sender_names=list(sender_names),
        plan=plan,
        created_at=datetime.now(UTC),
        timezone=check_timezone(timezone),
    )
    session.add(account)
    await session.flush()
    return account


async def _create_account_with_admin(session: AsyncSession, data: AccountCreate) -> tuple[Account, User]:
    """A company and its first Administrator; a taken login refuses both (the transaction rolls back)."""
    account = await create_account(session, data.name, data.short_number, data.sender_names, data.plan, data.timezone)
    admin = await create_user(
        session, account.id, data.admin_login, data.admin_password, Role.ADMINISTRATOR, name=data.admin_name
    )
    return account, admin


async def create_account_with_admin(db: Database, data: AccountCreate) -> AccountRead:
    """A company and its first Administrator, from the command line (no actor: whoever runs it owns the server)."""
    async with db.write() as session:
        account, _admin = await _create_account_with_admin(session, data)
    return _read(account, users=1, employees=0)


async def add_client_account(db: Database, actor: Actor, data: AccountCreate) -> AccountRead:
    """A platform admin adds a client company with its first Administrator; logged in the new account's audit."""
    check_is_platform_admin(actor)
    async with db.write() as session:
        account, admin = await _create_account_with_admin(session, data)
        details = {"short_number": account.short_number, "plan": account.plan, "admin_login": admin.login}
        target = ("account", account.id, account.name)
        await record_audit(session, actor, "account.created", target, details, account.id)
    return _read(account, users=1, employees=0)


async def add_user_to_account(
    db: Database, account_name: str, login: str, password: str, role: Role, platform_admin: bool = False
) -> None:
    """A login in the named account (created when missing), from the command line."""
    async with db.write() as session:
        account_id = await session.scalar(select(Account.id).where(Account.name == account_name))
        if account_id is None:
            account_id = (await create_account(session, account_name)).id
        user = await create_user(session, account_id, login, password, role)
        user.platform_admin = platform_admin


def _read(account: Account, users: int, employees: int) -> AccountRead:
    """An account as the platform pages show it."""
    return AccountRead(
        id=account.id,
        name=account.name,
        short_number=account.short_number,
        sender_names=list(account.sender_names),
        plan=account.plan,  # type: ignore[arg-type]
        created_at=account.created_at,
        users=users,
        employees=employees,
        timezone=account.timezone,
    )


def check_timezone(name: str) -> str:
    """An IANA time zone name, or InvalidInput."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone «{name}».", {"timezone": name}, code="timezone_unknown") from None
    return name


async def update_account(db: Database, actor: Actor, account_id: int, data: AccountUpdate) -> AccountRead:
    """A platform admin changes a client company's time zone; audited in that account."""
    check_is_platform_admin(actor)
    timezone = check_timezone(data.timezone)
    async with db.write() as session:
        account = await session.get(Account, account_id)
        if account is None:
            raise NotFound(f"Account {account_id} not found.", code="not_found")
        details = {"timezone": [account.timezone, timezone]}
        account.timezone = timezone
        await record_audit(
            session, actor, "account.updated", ("account", account.id, account.name), details, account.id
        )
    return (await _list_account_reads(db, account_id))[0]


async def list_accounts(db: Database, actor: Actor) -> list[AccountRead]:
    """Every client company with its numbers of users and employees (platform admin only)."""
    check_is_platform_admin(actor)
    return await _list_account_reads(db)


async def _list_account_reads(db: Database, account_id: int | None = None) -> list[AccountRead]:
    """Accounts (all, or one) with their numbers of users and employees."""
    users = select(User.account_id, func.count().label("n")).group_by(User.account_id).subquery()
    employees = select(Employee.account_id, func.count().label("n")).group_by(Employee.account_id).subquery()
    query = (
        select(Account, func.coalesce(users.c.n, 0), func.coalesce(employees.c.n, 0))
        .outerjoin(users, users.c.account_id == Account.id)
        .outerjoin(employees, employees.c.account_id == Account.id)
        .order_by(Account.id)
    )
    if account_id is not None:
        query = query.where(Account.id == account_id)
    async with db.read() as session:
        return [_read(account, *counts) for account, *counts in (await session.execute(query)).all()]


async def create_user(
    session: AsyncSession,
    account_id: int,
    login: str,
    password: str,
    role: Role,
    name: str = "",
    employee_id: int | None = None,
) -> User:
    """A web login in the account."""
    if (await session.execute(select(User.id).where(User.login == login))).first():
        raise Conflict(f"Login «{login}» is taken.", {"login": login}, code="login_taken")
    user = User(
        account_id=account_id,
        login=login,
        password_hash=hash_password(password),
        role=role,
        name=name or login,
        employee_id=employee_id,
        active=True,
    )
    session.add(user)
    await session.flush()
    return user
