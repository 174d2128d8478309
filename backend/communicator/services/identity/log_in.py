"""Logging in: the one action every way in uses (web form today, a SOAP login later). See docs/security.md."""

from __future__ import annotations

import msgspec

from communicator.db.session import Database
from communicator.schemas import UserRead
from communicator.services.identity.auth import get_user_read, open_session
from communicator.services.identity.throttle import LoginThrottle, get_device_cookie, is_trusted_device


class LoginAttempt(msgspec.Struct, frozen=True, kw_only=True):
    """What a client presents to log in."""

    login: str
    password: str
    ip: str
    # The trusted-device cookie the client holds, if any (exempts it from the per-login limit).
    device_cookie: str | None = None
    # The session the client had: it ends with this login (rotation).
    old_token: str | None = None


class LoggedIn(msgspec.Struct, frozen=True, kw_only=True):
    """A new session: its token, the user, and the trusted-device cookie value to hand the client."""

    token: str
    user: UserRead
    device_cookie: str


async def log_in(
    db: Database, throttle: LoginThrottle, secret: bytes, attempt: LoginAttempt, device_max_age: float
) -> LoggedIn:
    """Count the attempt (429 past the limits), verify the password, open a session and vouch for the device."""
    trusted = is_trusted_device(secret, attempt.device_cookie, attempt.login, device_max_age)
    await throttle.record_attempt(attempt.login, attempt.ip, trusted)
    token, actor = await open_session(db, attempt.login, attempt.password, attempt.old_token)
    await throttle.record_success(attempt.login, attempt.ip)
    user = await get_user_read(db, actor)
    return LoggedIn(token=token, user=user, device_cookie=get_device_cookie(secret, attempt.login))
