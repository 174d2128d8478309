"""Sessions end after the idle and the absolute timeout; no password, token or secret is ever logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from communicator.db.models import WebSession
from communicator.db.session import Database
from communicator.services.core.actors import Actor
from communicator.services.identity import auth
from tests.conftest import API, DEMO_PASSWORD, LiveServer, login

IDLE = timedelta(hours=12)
ABSOLUTE = timedelta(days=7)


async def backdate(db: Database, *, seen: timedelta | None = None, created: timedelta | None = None) -> None:
    """Move every session's last activity and/or creation this far into the past."""
    now = datetime.now(UTC)
    values = {}
    if seen is not None:
        values["last_seen_at"] = now - seen
    if created is not None:
        values["created_at"] = now - created
    async with db.write() as session:
        await session.execute(update(WebSession).values(**values))


async def test_idle_session_ends(db: Database, admin: Actor) -> None:
    token, _ = await auth.open_session(db, "admin", DEMO_PASSWORD)
    await backdate(db, seen=IDLE - timedelta(minutes=5))
    assert await auth.record_session_use(db, token, IDLE, ABSOLUTE) is not None
    await backdate(db, seen=IDLE + timedelta(seconds=1))
    assert await auth.record_session_use(db, token, IDLE, ABSOLUTE) is None


async def test_activity_keeps_a_session_alive_until_the_absolute_timeout(db: Database, admin: Actor) -> None:
    token, _ = await auth.open_session(db, "admin", DEMO_PASSWORD)
    await backdate(db, seen=IDLE - timedelta(minutes=5), created=ABSOLUTE - timedelta(minutes=1))
    assert await auth.record_session_use(db, token, IDLE, ABSOLUTE) is not None
    async with db.read() as session:
        seen = await session.scalar(select(WebSession.last_seen_at))
    assert datetime.now(UTC) - seen < timedelta(minutes=1)  # the request counted as activity
    await backdate(db, seen=timedelta(0), created=ABSOLUTE + timedelta(seconds=1))
    assert await auth.record_session_use(db, token, IDLE, ABSOLUTE) is None


async def test_an_expired_session_gets_401(server: LiveServer, server_db: Database) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as browser:
        await login(browser)
        assert (await browser.get(f"{API}/auth/me")).status_code == 200
        await backdate(server_db, seen=timedelta(minutes=server.settings.session_idle_minutes + 1))
        expired = await browser.get(f"{API}/auth/me")
        assert expired.status_code == 401 and "log in again" in expired.json()["detail"]


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record of every logger, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_no_secret_is_ever_logged(server: LiveServer, all_logs: pytest.LogCaptureFixture) -> None:
    """Passwords (right and wrong), session cookies, API tokens and the server secret stay out of the logs."""
    secrets = [DEMO_PASSWORD, "wrong-password-123", "new-user-password", "platform-admin-password"]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as browser:
        refused = await browser.post(f"{API}/auth/login", json={"login": "admin", "password": "wrong-password-123"})
        assert refused.status_code == 401
        await login(browser)
        secrets.append(browser.cookies["communicator_session"])
        user = {"login": "logged-user", "password": "new-user-password", "role": "Operator"}
        assert (await browser.post(f"{API}/users", json=user)).status_code == 201
        token = (await browser.post(f"{API}/tokens", json={"name": "t", "scopes": ["messages:read"]})).json()["token"]
        secrets.append(token)
        account = {
            "name": "Logged",
            "short_number": "7070",
            "admin_login": "logged-admin",
            "admin_password": "platform-admin-password",
        }
        assert (await browser.post(f"{API}/platform/accounts", json=account)).status_code == 201
    async with httpx.AsyncClient(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as m2m:
        assert (await m2m.get(f"{API}/threads")).status_code == 200
    secrets.append(server.app.state.server_secret.hex())
    # httpx/httpcore are this test's own client (they log the cookies the server sets); the rest is the server.
    server_records = [r for r in all_logs.records if not r.name.startswith(("httpx", "httpcore"))]
    assert server_records, "the server logged nothing at all: the check would prove nothing"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server_records)
    for secret in secrets:
        assert secret not in logged
