"""Platform admins create client accounts with their first Administrator; nobody else can."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update

from communicator.db.models import Account, User
from communicator.db.session import Database
from tests.conftest import API, LiveServer, login

NEW_ACCOUNT = {
    "name": "ООО «Северсталь-Сервис»",
    "short_number": "5050",
    "sender_names": ["SEVER"],
    "plan": "Employee",
    "admin_login": "sever-admin",
    "admin_password": "sever-password",
    "admin_name": "Админ Севера",
}


@pytest.fixture
async def platform(server: LiveServer, server_db: Database) -> httpx.AsyncClient:
    """The demo admin, made a platform admin, logged in."""
    async with server_db.write() as session:
        await session.execute(update(User).where(User.login == "admin").values(platform_admin=True))
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http)
        yield http


async def account_count(db: Database) -> int:
    """How many accounts exist."""
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Account))


async def test_platform_admin_creates_an_account_with_its_admin(
    server: LiveServer, platform: httpx.AsyncClient
) -> None:
    created = await platform.post(f"{API}/platform/accounts", json=NEW_ACCOUNT)
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["name"] == NEW_ACCOUNT["name"] and account["short_number"] == "5050"
    assert account["sender_names"] == ["SEVER"] and account["plan"] == "Employee"
    listed = (await platform.get(f"{API}/platform/accounts")).json()["items"]
    assert [(a["id"], a["employees"]) for a in listed] == [(1, 20), (account["id"], 0)]
    assert listed[0]["users"] >= 1 and listed[1]["users"] == 1

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as new_admin:
        me = await login(new_admin, "sever-admin", "sever-password")
        assert me["account_id"] == account["id"] and me["role"] == "Administrator" and me["name"] == "Админ Севера"
        audit = (await new_admin.get(f"{API}/audit")).json()["items"]
        assert [(e["action"], e["target_id"], e["actor_name"]) for e in audit] == [
            ("account.created", account["id"], "Администратор")
        ]
        assert "sever-password" not in str(audit)
        assert (await new_admin.get(f"{API}/platform/accounts")).status_code == 403
    own_audit = (await platform.get(f"{API}/audit")).json()["items"]
    assert "account.created" not in [e["action"] for e in own_audit]


async def test_taken_login_creates_nothing(platform: httpx.AsyncClient, server_db: Database) -> None:
    before = await account_count(server_db)
    taken = await platform.post(f"{API}/platform/accounts", json={**NEW_ACCOUNT, "admin_login": "admin"})
    assert taken.status_code == 409 and taken.json()["code"] == "login_taken"
    assert await account_count(server_db) == before
    invalid = await platform.post(f"{API}/platform/accounts", json={**NEW_ACCOUNT, "short_number": "49-38"})
    assert invalid.status_code == 400 and "short_number" in invalid.text
    assert await account_count(server_db) == before


async def test_an_account_administrator_is_not_a_platform_admin(client: httpx.AsyncClient, server_db: Database) -> None:
    # The demo admin also runs the platform; an ordinary company admin does not.
    async with server_db.write() as session:
        await session.execute(update(User).where(User.login == "admin").values(platform_admin=False))
    assert (await client.get(f"{API}/platform/accounts")).status_code == 403
    refused = await client.post(f"{API}/platform/accounts", json=NEW_ACCOUNT)
    assert refused.status_code == 403 and refused.json()["code"] == "platform_admin_only"
    assert await account_count(server_db) == 1
