"""GET /api/v1/audit: newest first, paged by before_id, limits checked, Administrators only."""

from __future__ import annotations

import httpx

from tests.conftest import API, DEMO_PASSWORD, LiveServer, login


async def test_audit_pages_newest_first(client: httpx.AsyncClient) -> None:
    ids = []
    for name in ("первый", "второй", "третий"):
        response = await client.post(f"{API}/tokens", json={"name": name, "scopes": ["messages:read"]})
        ids.append(response.json()["id"])
    first = (await client.get(f"{API}/audit", params={"limit": 2})).json()
    assert [e["target_name"] for e in first["items"]] == ["третий", "второй"] and first["has_more"]
    rest = (await client.get(f"{API}/audit", params={"limit": 1, "before_id": first["items"][-1]["id"]})).json()
    assert [(e["action"], e["target_name"]) for e in rest["items"]] == [("token.created", "первый")]
    assert (await client.get(f"{API}/audit", params={"before_id": 1})).json() == {"items": [], "has_more": False}
    for limit in (0, 201):
        assert (await client.get(f"{API}/audit", params={"limit": limit})).status_code == 400


async def test_audit_is_for_administrators(server: LiveServer, client: httpx.AsyncClient) -> None:
    created = await client.post(
        f"{API}/users", json={"login": "dispatcher", "password": DEMO_PASSWORD, "role": "Operator"}
    )
    assert created.status_code == 201, created.text
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as operator:
        await login(operator, "dispatcher")
        assert (await operator.get(f"{API}/audit")).status_code == 403
