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


async def test_platform_admin_assigns_an_unrouted_sms_to_an_account(
    server: LiveServer, platform: httpx.AsyncClient
) -> None:
    # A short number nobody owns and an alphanumeric sender: stored in the unrouted inbox, not dropped.
    received = await platform.post(
        f"{API}/simulator/inbound", json={"from": "Bank", "to": "0000", "text": "Ваш код 1234"}
    )
    assert received.status_code == 201, received.text
    unrouted = received.json()
    assert (unrouted["sender"], unrouted["short_number"]) == ("Bank", "0000")
    inbox = (await platform.get(f"{API}/platform/inbox")).json()
    assert [m["id"] for m in inbox["items"]] == [unrouted["id"]] and inbox["has_more"] is False

    url = f"{API}/platform/inbox/{unrouted['id']}/assign"
    assert (await platform.post(url, json={"account_id": 0})).status_code == 400
    unknown = await platform.post(url, json={"account_id": 999})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_account"
    assigned = await platform.post(url, json={"account_id": 1})
    assert assigned.status_code == 201, assigned.text
    message = assigned.json()
    assert (message["text"], message["sender_phone"], message["direction"]) == ("Ваш код 1234", "Bank", "in")
    threads = (await platform.get(f"{API}/threads")).json()["items"]
    assert [t["kind"] for t in threads if t["last_message"]["id"] == message["id"]] == ["contact"]
    audit = (await platform.get(f"{API}/audit")).json()["items"]
    assert [(e["action"], e["target_id"], e["target_name"]) for e in audit[:1]] == [
        ("inbound.assigned", message["id"], "Bank")
    ]
    assert (await platform.get(f"{API}/platform/inbox")).json()["items"] == []
    again = await platform.post(url, json={"account_id": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_assigned"


async def test_the_unrouted_inbox_refuses_account_admins_and_tokens(
    client: httpx.AsyncClient, server_db: Database
) -> None:
    created = await client.post(f"{API}/tokens", json={"name": "inbox", "scopes": ["messages:read"]})
    bearer = {"Authorization": f"Bearer {created.json()['token']}"}
    refused = await client.get(f"{API}/platform/inbox", headers=bearer)
    assert refused.status_code == 403 and refused.json()["code"] == "token_not_allowed"
    assert (
        await client.post(f"{API}/platform/inbox/1/assign", json={"account_id": 1}, headers=bearer)
    ).status_code == 403
    async with server_db.write() as session:
        await session.execute(update(User).where(User.login == "admin").values(platform_admin=False))
    listed = await client.get(f"{API}/platform/inbox")
    assert listed.status_code == 403 and listed.json()["code"] == "platform_admin_only"
    assert (await client.post(f"{API}/platform/inbox/1/assign", json={"account_id": 1})).status_code == 403
