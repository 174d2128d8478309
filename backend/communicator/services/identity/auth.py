"""Logins and server-side sessions; passwords are argon2id, verified off the event loop."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from communicator.db.models import Account, User, WebSession
from communicator.db.session import Database, execute_dml
from communicator.events import note_access_changed
from communicator.schemas import UserRead
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Unauthorized

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the login is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
SEEN_GRANULARITY = timedelta(minutes=1)


def hash_password(password: str) -> str:
    """The argon2id hash of a password."""
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    """Whether the password matches (blocking: run in a thread)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(db: Database, login_name: str, password: str, old_token: str | None = None) -> tuple[str, Actor]:
    """Check credentials and open a new session, ending the one presented (if any); returns the new token."""
    async with db.read() as session:
        user = await session.scalar(select(User).where(User.login == login_name))
    password_hash = user.password_hash if user and user.active else _DUMMY_HASH
    ok = await anyio.to_thread.run_sync(_verify, password_hash, password)
    if not ok or user is None or not user.active:
        raise Unauthorized("Wrong login or password.", code="bad_credentials")
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with db.write() as session:
        if old_token:
            # Rotation: a session cookie planted or left in this browser dies with this login.
            ended = await execute_dml(
                session, delete(WebSession).where(WebSession.token_hash == _token_hash(old_token))
            )
            if ended:
                note_access_changed(session, user.account_id)  # its open WebSockets close now, not in a minute
        session.add(WebSession(token_hash=_token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    return token, get_user_actor(user)


async def logout(db: Database, actor: Actor, token: str) -> None:
    """Delete the session server-side; the user's open WebSockets re-check theirs and this one closes."""
    async with db.write() as session:
        await session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))
        note_access_changed(session, actor.account_id)


def get_user_actor(user: User) -> Actor:
    """The actor for a user row."""
    return Actor(
        user.id,
        user.account_id,
        user.role,
        user.login,
        user.name or user.login,
        user.employee_id,
        may_send_all=user.may_send_all,
        platform_admin=user.platform_admin,
    )


async def record_session_use(db: Database, token: str, idle: timedelta, absolute: timedelta) -> Actor | None:
    """The actor behind a session token, its use noted (idle timeout); None when unknown, expired or deactivated."""
    now = datetime.now(UTC)
    async with db.read() as session:
        query = (
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == _token_hash(token))
        )
        row = (await session.execute(query)).first()
    if row is None:
        return None
    web_session, user = row
    created, seen = web_session.created_at, web_session.last_seen_at
    if not user.active or now - seen > idle or now - created > absolute:
        return None
    if now - seen > SEEN_GRANULARITY:
        async with db.write() as session:
            touch = update(WebSession).where(WebSession.token_hash == web_session.token_hash).values(last_seen_at=now)
            await session.execute(touch)
    return get_user_actor(user)


async def get_user_read(db: Database, actor: Actor) -> UserRead:
    """The current user with the account name."""
    async with db.read() as session:
        account = await session.get(Account, actor.account_id)
    account_name = account.name if account else ""
    timezone = account.timezone if account else "Europe/Moscow"
    return UserRead(
        id=actor.user_id,
        login=actor.login,
        role=actor.role,
        account_id=actor.account_id,
        account_name=account_name,
        employee_id=actor.employee_id,
        name=actor.name,
        may_send_all=actor.may_send_all,
        platform_admin=actor.platform_admin,
        account_timezone=timezone,
    )
