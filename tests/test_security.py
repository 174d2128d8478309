"""Security end to end: same-origin checks (CSRF), headers, sessions, passwords, roles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import select

from communicator.api import ws
from communicator.db.models import User, WebSession
from communicator.db.session import Database
from tests.conftest import API, DEMO_PASSWORD, LiveServer, login, make_server
from tests.test_api import stored_counts

EVIL = "http://evil.example"
DOCS = Path(__file__).resolve().parents[1] / "docs"
SEND = {"text": "Сбор в 9:00", "recipients": {"employees": [1]}}


# --- same origin (CSRF) -----------------------------------------------------------------------

CROSS_SITE = [
    pytest.param({"Origin": EVIL}, id="foreign-origin"),
    pytest.param({"Origin": "null"}, id="null-origin"),
    pytest.param({"Origin": "http://127.0.0.1:1"}, id="other-port"),
    pytest.param({"Sec-Fetch-Site": "cross-site"}, id="sec-fetch-cross-site"),
    pytest.param({"Origin": "same", "Sec-Fetch-Site": "cross-site"}, id="cross-site-wins"),
]


def _headers(server: LiveServer, headers: dict[str, str]) -> dict[str, str]:
    """Request headers, with "same" standing for the server's own origin."""
    return {k: server.url if v == "same" else v for k, v in headers.items()}


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_cross_site_send_is_refused_and_nothing_sent(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database, headers: dict[str, str]
) -> None:
    response = await client.post(f"{API}/messages", json=SEND, headers=_headers(server, headers))
    assert response.status_code == 403 and "Cross-site" in response.json()["detail"]
    assert await stored_counts(server_db) == (0, 0, 0)
    assert (await client.get(f"{API}/threads")).json()["items"] == []
    assert (await client.get(f"{API}/simulator/phones/+79161000001/messages")).json()["items"] == []


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "same"}, id="same-origin"),
        pytest.param({"Origin": "same", "Sec-Fetch-Site": "same-origin"}, id="sec-fetch-same-origin"),
        pytest.param({}, id="script-without-origin"),
    ],
)
async def test_same_origin_send_is_accepted(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database, headers: dict[str, str]
) -> None:
    response = await client.post(f"{API}/messages", json=SEND, headers=_headers(server, headers))
    assert response.status_code == 201, response.text
    assert (await stored_counts(server_db))[:2] == (1, 1)


async def test_every_state_change_is_guarded(server: LiveServer, client: httpx.AsyncClient) -> None:
    evil = {"Origin": EVIL}
    refused = [
        await client.patch(f"{API}/employees/1", json={"active": False}, headers=evil),
        await client.post(f"{API}/employees", json={"name": "Шпион", "phone": "+79265550000"}, headers=evil),
        await client.post(f"{API}/groups", json={"name": "Шпионы"}, headers=evil),
        await client.delete(f"{API}/groups/1", headers=evil),
        await client.post(f"{API}/simulator/inbound", json={"from": "+79161000001", "text": "x"}, headers=evil),
        await client.post(f"{API}/auth/logout", headers=evil),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    # Nothing changed, and the session survived the cross-site logout.
    employees = (await client.get(f"{API}/employees")).json()["items"]
    assert len(employees) == 20 and all(e["active"] for e in employees)
    assert len((await client.get(f"{API}/groups")).json()["items"]) == 3
    assert (await client.get(f"{API}/threads")).json()["items"] == []
    # Reads are not state changes: a cross-origin GET is answered (CORS keeps its body from the page).
    assert (await client.get(f"{API}/auth/me", headers=evil)).status_code == 200


async def test_cross_site_login_is_refused(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(
            f"{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}, headers={"Origin": EVIL}
        )
        assert response.status_code == 403 and "set-cookie" not in response.headers


@pytest.fixture
def trusting_server(sqlite_url: str) -> Iterator[LiveServer]:
    """A server behind a proxy whose public origin differs from its Host header."""
    live = make_server(sqlite_url, allowed_origins=("https://sms.example.com",))
    yield live
    live.stop()


async def test_configured_origin_is_allowed(trusting_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=trusting_server.url, timeout=10) as http:
        await login(http)
        allowed = await http.post(f"{API}/messages", json=SEND, headers={"Origin": "https://sms.example.com"})
        other = await http.post(f"{API}/messages", json=SEND, headers={"Origin": "https://sms.example.com.evil"})
    assert allowed.status_code == 201 and other.status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80"])
async def test_a_forged_host_with_a_matching_origin_is_refused(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database, host: str
) -> None:
    forged = {"Host": host, "Origin": f"http://{host}"}
    response = await client.post(f"{API}/messages", json=SEND, headers=forged)
    assert response.status_code == 403 and "Cross-site" in response.json()["detail"]
    assert await stored_counts(server_db) == (0, 0, 0)
    url = server.url.replace("http", "ws") + "/ws"
    cookie = {"Cookie": f"communicator_session={client.cookies['communicator_session']}"}
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url, additional_headers={**cookie, **forged}, proxy=None):
            pass
    assert refused.value.response.status_code == 403  # the handshake is refused, as docs/events.md says


async def test_the_derived_origin_answers_to_localhost_too(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    """Without COMMUNICATOR_PUBLIC_ORIGIN, a loopback server is http://127.0.0.1:port and http://localhost:port."""
    response = await client.post(f"{API}/messages", json=SEND, headers={"Origin": f"http://localhost:{server.port}"})
    assert response.status_code == 201, response.text
    other_port = await client.post(f"{API}/messages", json=SEND, headers={"Origin": "http://localhost:1"})
    assert other_port.status_code == 403 and (await stored_counts(server_db))[0] == 1


@pytest.fixture
def proxied_server(sqlite_url: str) -> Iterator[LiveServer]:
    """A server whose browsers come through https://sms.example.com (COMMUNICATOR_PUBLIC_ORIGIN)."""
    live = make_server(sqlite_url, public_origin="https://sms.example.com/")
    yield live
    live.stop()


async def test_only_the_public_origin_may_change_state(proxied_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=proxied_server.url, timeout=10) as http:
        await login(http)
        answers = {
            origin: (await http.post(f"{API}/messages", json=SEND, headers={"Origin": origin})).status_code
            for origin in ("https://sms.example.com", "https://SMS.example.com:443", proxied_server.url)
        }
    assert answers == {"https://sms.example.com": 201, "https://SMS.example.com:443": 201, proxied_server.url: 403}


def test_the_documented_close_codes_are_the_ones_the_socket_sends() -> None:
    """docs/events.md names exactly the application close codes of api/ws.py (a refused handshake is HTTP 403)."""
    sent = {value for value in vars(ws).values() if isinstance(value, int) and 4000 <= value < 5000}
    doc = (DOCS / "events.md").read_text(encoding="utf-8")
    lines = [line for line in doc.splitlines() if "close" in line.lower()]
    documented = {int(code) for line in lines for code in re.findall(r"\b4\d{3}\b", line)}
    assert documented == sent and "HTTP 403" in doc


# --- headers ----------------------------------------------------------------------------------


def assert_security_headers(response: httpx.Response) -> None:
    """The CSP and friends, each exactly once."""
    csp = response.headers.get_list("content-security-policy")
    assert len(csp) == 1, f"{response.request.url}: {csp}"
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp[0].split(";")}
    assert directives["script-src"] == "script-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["object-src"] == "object-src 'none'"
    assert "unsafe-eval" not in csp[0]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers.get_list("referrer-policy") in (["same-origin"], ["no-referrer"], ["strict-origin"])
    assert response.headers.get_list("x-frame-options") == ["DENY"]


@pytest.fixture
def static_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A server with a built web app (a stand-in index.html)."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>Communicator</title>", encoding="utf-8")
    live = make_server(sqlite_url, static_dir=str(static))
    yield live
    live.stop()


async def test_security_headers_on_the_web_app_and_every_api_response(static_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=static_server.url, timeout=10) as http:
        page = await http.get("/")
        assert page.status_code == 200 and "Communicator" in page.text
        responses = [
            page,
            await http.get("/health"),
            await http.get(f"{API}/threads"),  # 401
            await http.get("/no/such/page"),
            await http.post(f"{API}/messages", json=SEND, headers={"Origin": EVIL}),
        ]  # 403
        await login(http)
        responses += [
            await http.get(f"{API}/threads"),
            await http.get(f"{API}/messages/424242"),  # 404
            await http.post(f"{API}/messages", content=b"{", headers={"content-type": "application/json"}),
        ]
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 403, 200, 404, 400]
    for response in responses:
        assert_security_headers(response)


async def test_security_headers_without_a_built_web_app(server: LiveServer, client: httpx.AsyncClient) -> None:
    for response in [
        await client.get("/health"),
        await client.get(f"{API}/employees"),
        await client.put(f"{API}/employees"),
    ]:  # 405
        assert_security_headers(response)


# --- sessions and passwords -------------------------------------------------------------------


async def test_passwords_are_argon2id_and_tokens_stored_hashed(client: httpx.AsyncClient, server_db: Database) -> None:
    created = await client.post(
        f"{API}/employees",
        json={
            "name": "Оператор Смены",
            "phone": "+79265550101",
            "web_access": True,
            "role": "Operator",
            "login": "shift-operator",
            "password": "operator-password",
        },
    )
    assert created.status_code == 201, created.text
    async with server_db.read() as session:
        hashes = dict((await session.execute(select(User.login, User.password_hash))).all())
        token_hashes = list((await session.execute(select(WebSession.token_hash))).scalars())
    assert set(hashes) == {"admin", "operator", "shift-operator"}
    for login_name, password_hash in hashes.items():
        assert password_hash.startswith("$argon2id$"), login_name
    assert "operator-password" not in hashes["shift-operator"]
    token = client.cookies["communicator_session"]
    assert token_hashes and token not in token_hashes


async def test_login_always_issues_a_new_session(server: LiveServer) -> None:
    planted = "planted-by-an-attacker"
    body = {"login": "admin", "password": DEMO_PASSWORD}
    async with httpx.AsyncClient(base_url=server.url) as http:
        tokens = []
        for _ in range(2):
            response = await http.post(
                f"{API}/auth/login", json=body, headers={"Cookie": f"communicator_session={planted}"}
            )
            tokens.append(response.cookies["communicator_session"])
    assert len({planted, *tokens}) == 3


async def test_login_ends_the_session_the_browser_presented(server: LiveServer, server_db: Database) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http)
        old = http.cookies["communicator_session"]
        await login(http)  # the jar presents the old cookie
        new = http.cookies["communicator_session"]
        assert new != old and (await http.get(f"{API}/auth/me")).status_code == 200
    async with httpx.AsyncClient(base_url=server.url, cookies={"communicator_session": old}) as replay:
        assert (await replay.get(f"{API}/auth/me")).status_code == 401
    async with server_db.read() as session:
        assert len(list(await session.scalars(select(WebSession.token_hash)))) == 1


async def test_deactivated_employee_loses_web_access_at_once(server: LiveServer, client: httpx.AsyncClient) -> None:
    created = (
        await client.post(
            f"{API}/employees",
            json={
                "name": "Временный",
                "phone": "+79265550102",
                "web_access": True,
                "role": "Operator",
                "login": "temp",
                "password": "temp-password",
            },
        )
    ).json()
    async with httpx.AsyncClient(base_url=server.url) as temp:
        await login(temp, "temp", "temp-password")
        assert (await temp.get(f"{API}/threads")).status_code == 200
        assert (await client.patch(f"{API}/employees/{created['id']}", json={"active": False})).status_code == 200
        assert (await temp.get(f"{API}/threads")).status_code == 401
        response = await temp.post(f"{API}/auth/login", json={"login": "temp", "password": "temp-password"})
        assert response.status_code == 401


async def test_base_user_may_not_send_or_change_the_directory(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    await client.post(
        f"{API}/employees",
        json={
            "name": "Просто Сотрудник",
            "phone": "+79265550103",
            "web_access": True,
            "role": "BaseUser",
            "login": "base",
            "password": "base-password",
        },
    )
    async with httpx.AsyncClient(base_url=server.url) as base:
        user = await login(base, "base", "base-password")
        assert user["role"] == "BaseUser"
        send = await base.post(f"{API}/messages", json=SEND)
        change = await base.patch(f"{API}/employees/1", json={"active": False})
        group = await base.post(f"{API}/groups", json={"name": "Мои"})
    assert send.status_code == 403 and "BaseUser" in send.json()["detail"]
    assert change.status_code == 403 and group.status_code == 403
    assert await stored_counts(server_db) == (0, 0, 0)
    employees = (await client.get(f"{API}/employees")).json()["items"]
    assert all(e["active"] for e in employees if e["id"] == 1)
    assert len((await client.get(f"{API}/groups")).json()["items"]) == 3


def test_simulator_endpoints_exist_only_with_the_simulator_driver(sqlite_url: str) -> None:
    live = make_server(sqlite_url, gateway_driver="none", gateway_enabled=False)
    try:
        response = httpx.post(f"{live.url}{API}/simulator/inbound", json={"from": "+79161000001", "text": "x"})
        assert response.status_code in (404, 405)
    finally:
        live.stop()
