"""API tokens end to end: shown once, stored as HMAC, scoped, default deny, revocable, survive restarts."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest
import websockets
from sqlalchemy import select
from websockets.exceptions import InvalidStatus

from communicator.api.ws import SESSION_ENDED
from communicator.db.models import ApiToken, AuditEntry
from communicator.db.session import Database
from tests.conftest import API, DEMO_PASSWORD, LiveServer, login, make_server
from tests.test_ws import open_socket
from tests.test_ws_access import wait_closed

SEND = {"text": "Сбор в 9:00", "recipients": {"employees": [1]}}


async def new_token(client: httpx.AsyncClient, *scopes: str, name: str = "script") -> dict:
    """Create a token with these scopes; returns the 201 answer."""
    response = await client.post(f"{API}/tokens", json={"name": name, "scopes": list(scopes)})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(server: LiveServer, token: str) -> httpx.AsyncClient:
    """A client with no cookies that authenticates with the token."""
    return httpx.AsyncClient(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {token}"})


async def add_user(client: httpx.AsyncClient, login_name: str, role: str = "Administrator") -> int:
    """A second web login of the demo account; returns its id."""
    response = await client.post(f"{API}/users", json={"login": login_name, "password": DEMO_PASSWORD, "role": role})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_token_is_shown_once_and_stored_as_hmac(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    created = await new_token(client, "messages:read", "messages:send", name="Мониторинг")
    secret = created["token"]
    assert secret.startswith("cm_") and created["prefix"] == secret[:10]
    assert created["scopes"] == ["messages:read", "messages:send"] and created["created_by"] == "admin"
    listed = (await client.get(f"{API}/tokens")).json()["items"]
    assert [t["id"] for t in listed] == [created["id"]] and "token" not in listed[0]
    async with server_db.read() as session:
        row = await session.get(ApiToken, created["id"])
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "token.created"))).all()
    assert row is not None and secret not in (row.token_hash, row.prefix)
    assert row.token_hash != hashlib.sha256(secret.encode()).hexdigest()  # keyed, not a bare hash
    assert [(a.target_id, a.target_name, a.actor_name) for a in audit] == [
        (created["id"], "Мониторинг", "Администратор")
    ]
    assert secret not in str(audit[0].details)


async def test_scopes_and_default_deny(server: LiveServer, client: httpx.AsyncClient) -> None:
    reader = (await new_token(client, "messages:read", "directory:read"))["token"]
    sender = (await new_token(client, "messages:send"))["token"]
    async with bearer(server, reader) as http:
        assert (await http.get(f"{API}/threads")).status_code == 200
        assert len((await http.get(f"{API}/employees")).json()["items"]) == 20
        refused = await http.post(f"{API}/messages", json=SEND)
        assert refused.status_code == 403 and refused.json()["code"] == "scope_missing"
        write = await http.post(f"{API}/groups", json={"name": "Скрипт"})
        assert write.status_code == 403 and write.json()["extra"] == {"scope": "directory:write"}
        for path in ("/tokens", "/audit", "/users", "/auth/me", "/platform/accounts"):
            denied = await http.get(f"{API}{path}")
            assert denied.status_code == 403 and denied.json()["code"] == "token_not_allowed", path
        assert (await http.post(f"{API}/tokens", json={"name": "x", "scopes": ["messages:read"]})).status_code == 403
    async with bearer(server, sender) as http:
        assert (await http.post(f"{API}/messages", json=SEND)).status_code == 201
        assert (await http.get(f"{API}/threads")).status_code == 403
    used = {t["id"]: t["last_used_at"] for t in (await client.get(f"{API}/tokens")).json()["items"]}
    assert all(used.values())


async def test_websocket_with_a_token_needs_messages_read(server: LiveServer, client: httpx.AsyncClient) -> None:
    reader = await new_token(client, "messages:read")
    sender = (await new_token(client, "messages:send"))["token"]
    url = server.url.replace("http://", "ws://") + "/ws"
    async with websockets.connect(
        url, additional_headers={"Authorization": f"Bearer {reader['token']}"}, proxy=None
    ) as socket:
        assert (await client.delete(f"{API}/tokens/{reader['id']}")).status_code == 204
        assert await wait_closed(socket) == SESSION_ENDED  # revoking closes the token's sockets
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {sender}"}, proxy=None):
            pass
    assert refused.value.response.status_code == 403
    async with open_socket(server, client.cookies["communicator_session"]):
        pass  # a browser session holds every scope


async def test_revoke_is_idempotent_and_final(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    created = await new_token(client, "messages:read")
    async with bearer(server, created["token"]) as http:
        assert (await http.get(f"{API}/threads")).status_code == 200
        assert (await client.delete(f"{API}/tokens/{created['id']}")).status_code == 204
        assert (await client.delete(f"{API}/tokens/{created['id']}")).status_code == 204
        assert (await http.get(f"{API}/threads")).status_code == 401
    assert (await client.delete(f"{API}/tokens/424242")).status_code == 404
    listed = (await client.get(f"{API}/tokens")).json()["items"]
    assert listed[0]["revoked_at"] is not None
    async with server_db.read() as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert actions.count("token.revoked") == 1


async def test_token_acts_with_its_creators_current_role(server: LiveServer, client: httpx.AsyncClient) -> None:
    second = await add_user(client, "deputy")
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as deputy:
        await login(deputy, "deputy")
        token = (await new_token(deputy, "messages:send", "messages:read"))["token"]
    async with bearer(server, token) as http:
        assert (await http.post(f"{API}/messages", json=SEND)).status_code == 201
        demoted = await client.patch(f"{API}/users/{second}", json={"role": "BaseUser"})
        assert demoted.status_code == 200, demoted.text
        refused = await http.post(f"{API}/messages", json=SEND)
        assert refused.status_code == 403 and refused.json()["code"] == "role_may_not_send"
        assert (await client.patch(f"{API}/users/{second}", json={"active": False})).status_code == 200
        assert (await http.get(f"{API}/threads")).status_code == 401


async def test_only_an_administrator_creates_tokens(server: LiveServer, client: httpx.AsyncClient) -> None:
    await add_user(client, "dispatcher", role="Operator")
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as operator:
        await login(operator, "dispatcher")
        assert (
            await operator.post(f"{API}/tokens", json={"name": "x", "scopes": ["messages:read"]})
        ).status_code == 403
        assert (await operator.get(f"{API}/tokens")).status_code == 403


async def _token_on(server: LiveServer) -> str:
    """Log in as the demo admin and create a messages:read token."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http)
        return (await new_token(http, "messages:read"))["token"]


async def _status_with(server: LiveServer, token: str) -> int:
    """What GET /threads answers the token."""
    async with bearer(server, token) as http:
        return (await http.get(f"{API}/threads")).status_code


@pytest.mark.parametrize("database", ["sqlite_url", "postgres_url"])
def test_tokens_survive_a_restart_without_a_configured_secret(database: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(database)
    first = make_server(url)
    try:
        token = asyncio.run(_token_on(first))
    finally:
        first.stop()
    second = make_server(url)
    try:
        assert asyncio.run(_status_with(second, token)) == 200
        assert asyncio.run(_status_with(second, token + "x")) == 401
    finally:
        second.stop()
