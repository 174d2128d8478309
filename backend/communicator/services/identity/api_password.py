"""M2M API passwords: set by an Administrator, checked on every M2M call. See docs/m2m.md.

M2M clients send the lowercase hex MD5 of the API password; that MD5 is itself the credential, so only
HMAC-SHA256(server secret, md5hex) is stored and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import ApiPassword, User
from communicator.db.session import Database, dialect_insert
from communicator.domain import Role
from communicator.events import UserUpdated, record_event
from communicator.schemas import WebUserRead
from communicator.schemas.types import Password
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import InvalidInput, Unauthorized
from communicator.services.identity.server_secret import sign
from communicator.services.identity.throttle import LoginThrottle
from communicator.services.identity.users import check_may_set_login

PURPOSE = "m2m-api-password"
# Compared against when the login is unknown, so both failures take the same path.
_DUMMY_HASH = "0" * 64


def get_api_password_hash(secret: bytes, md5hex: str) -> str:
    """The stored form of an API password's MD5 hex."""
    return sign(secret, PURPOSE, md5hex.strip().lower())


def get_md5hex(password: str) -> str:
    """What M2M clients send for a password: its lowercase hex MD5 (UTF-8)."""
    return hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()


async def apply_api_password(db: Database, actor: Actor, user_id: int, password: str, secret: bytes) -> None:
    """Set or reset a user's M2M API password (Administrators, web session only); audited."""
    check_may_set_login(actor)
    try:
        msgspec.convert(password, Password)
    except msgspec.ValidationError as error:
        raise InvalidInput(f"Invalid password: {error}.", {"field": "password"}, code="invalid_password") from error
    stored = get_api_password_hash(secret, get_md5hex(password))
    async with db.write() as session:
        user = await access_row(session, User, user_id, actor, "User")
        await record_api_password(session, user.id, stored)
        await record_audit(session, actor, "user.api_password_set", ("user", user.id, user.login), {})
        read = WebUserRead(
            id=user.id,
            login=user.login,
            name=user.name,
            role=user.role,
            employee_id=user.employee_id,
            active=user.active,
            may_send_all=user.may_send_all,
        )
        await record_event(session, actor.account_id, UserUpdated(user=read))


async def record_api_password(session: AsyncSession, user_id: int, stored: str) -> None:
    """Insert or replace the stored hash (inside the caller's transaction)."""
    now = datetime.now(UTC)
    upsert = dialect_insert(session, ApiPassword).values(user_id=user_id, secret_hash=stored, updated_at=now)
    await session.execute(
        upsert.on_conflict_do_update(index_elements=["user_id"], set_={"secret_hash": stored, "updated_at": now})
    )


# Plain SQL through Database.lookup_one: this runs once per M2M request.
_API_LOGIN = (
    "SELECT u.id, u.account_id, u.role, u.login, u.name, u.employee_id, u.may_send_all, u.platform_admin, u.active, "
    "p.secret_hash FROM users u JOIN api_passwords p ON p.user_id = u.id WHERE u.login = :login"
)


async def get_api_actor(
    db: Database, throttle: LoginThrottle, secret: bytes, login: str, md5hex: str, ip: str
) -> Actor:
    """The user an M2M login + MD5 hex stands for; the same refusal for an unknown login and a wrong password.

    The keyed hash is compared first (microseconds, constant time), then the attempt is counted and, when right,
    forgiven at once: machines send many requests in parallel, and counting each right one while it is in
    flight (as the web login does) would lock a busy integration out. A wrong one counts; past the limits
    every attempt is refused (429 reason), the right password included.
    """
    row = await db.lookup_one(_API_LOGIN, {"login": login})
    active = row is not None and bool(row["active"])
    stored = row["secret_hash"] if row is not None and active else _DUMMY_HASH
    ok = hmac.compare_digest(stored.encode(), get_api_password_hash(secret, md5hex).encode())
    await throttle.record_attempt(login, ip, trusted=False)
    if not ok or row is None or not active:
        raise Unauthorized("Wrong login or API password.", code="bad_credentials")
    await throttle.record_success(login, ip)
    return _actor_of(row)


def _actor_of(row: dict[str, Any]) -> Actor:
    """The actor of a users row read as plain values."""
    return Actor(
        row["id"],
        row["account_id"],
        Role(row["role"]),
        row["login"],
        row["name"] or row["login"],
        row["employee_id"],
        may_send_all=bool(row["may_send_all"]),
        platform_admin=bool(row["platform_admin"]),
    )
