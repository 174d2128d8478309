"""Accounts (companies) and their first users; the demo account."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, User
from communicator.services.auth import hash_password
from communicator.services.errors import Conflict


async def create_account(session: AsyncSession, name: str, short_number: str = "4938") -> Account:
    """A new company."""
    account = Account(
        name=name, short_number=short_number, sender_names=[], plan="Company", created_at=datetime.now(UTC)
    )
    session.add(account)
    await session.flush()
    return account


async def create_user(
    session: AsyncSession,
    account_id: int,
    login: str,
    password: str,
    role: str,
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
