"""Login throttling: failed logins per (login, client IP), per client IP, and per login. See docs/security.md.

Every attempt is counted before its password is verified and forgiven when it succeeds, so parallel
guesses cannot slip past a limit. The per-login limit (against guessing spread over many addresses) does
not apply to a client holding a trusted-device cookie for that login: an attack can then lock a login only
for browsers that never logged into it, and never from another IP through the other two limits.
"""

from __future__ import annotations

import hmac
import math
import time

import msgspec

from communicator.services.core.errors import ServiceError
from communicator.services.identity.server_secret import sign
from communicator.services.identity.throttle_store import CounterStore, MemoryCounterStore, RedisCounterStore
from communicator.settings import Settings

DEVICE_PURPOSE = "trusted-device"


class TooManyAttempts(ServiceError):
    """Too many failed logins; `extra.retry_after` says how many seconds to wait."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many failed logins. Try again in {minutes} min.",
            {"retry_after": retry_after},
            code="too_many_attempts",
        )
        self.retry_after = retry_after


class LoginLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Failures allowed per window, by key."""

    window_seconds: float
    per_login_ip: int
    per_ip: int
    per_login: int


class LoginThrottle:
    """Counts login attempts in a CounterStore and refuses them past the limits."""

    def __init__(self, store: CounterStore, limits: LoginLimits) -> None:
        self.store = store
        self.limits = limits

    async def record_attempt(self, login: str, ip: str, trusted: bool) -> None:
        """Count an attempt before its password is checked; refuse it (429) when a limit is reached."""
        keys = _keys(login, ip)
        limits = [self.limits.per_login_ip, self.limits.per_ip, None if trusted else self.limits.per_login]
        counts = await self.store.hit(keys, self.limits.window_seconds)
        waits = [left for (count, left), limit in zip(counts, limits, strict=True) if limit and count > limit]
        if waits:
            # A refused attempt is not a guess: it must not count against anyone.
            await self.store.forgive(keys)
            raise TooManyAttempts(max(1, math.ceil(max(waits))))

    async def record_success(self, login: str, ip: str) -> None:
        """A right password: forgive this attempt and forget this client's earlier failures for the login."""
        login_ip, *others = _keys(login, ip)
        await self.store.clear(login_ip)
        await self.store.forgive(others)


def build_login_throttle(settings: Settings) -> LoginThrottle:
    """The throttle for these settings: counts shared through Redis when scaled out, else in memory."""
    store: CounterStore = (
        RedisCounterStore(settings.redis_url, settings.channel_prefix) if settings.redis_url else MemoryCounterStore()
    )
    limits = LoginLimits(
        window_seconds=settings.login_window_seconds,
        per_login_ip=settings.login_max_failures_per_login_ip,
        per_ip=settings.login_max_failures_per_ip,
        per_login=settings.login_max_failures_per_login,
    )
    return LoginThrottle(store, limits)


def _keys(login: str, ip: str) -> list[str]:
    """The counters of one attempt: (login, IP), IP, login."""
    name = login.casefold()
    return [f"login-ip:{name}|{ip}", f"ip:{ip}", f"login:{name}"]


def get_device_cookie(secret: bytes, login: str, now: float | None = None) -> str:
    """A trusted-device cookie value for a login that just succeeded: issue time and signature."""
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_device_signature(secret, login, issued)}"


def is_trusted_device(secret: bytes, cookie: str | None, login: str, max_age_seconds: float) -> bool:
    """Whether the cookie proves this browser logged into this login recently."""
    issued, _, signature = (cookie or "").partition(".")
    if not issued.isdigit() or time.time() - int(issued) > max_age_seconds:
        return False
    expected = _device_signature(secret, login, int(issued))
    return hmac.compare_digest(expected.encode(), signature.encode())


def _device_signature(secret: bytes, login: str, issued: int) -> str:
    """What a trusted-device cookie signs: the login and when it was issued."""
    return sign(secret, DEVICE_PURPOSE, f"{login.casefold()}|{issued}")
