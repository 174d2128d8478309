"""Input an attacker sends: undecodable bodies, ids too large for their column, huge texts, wrong content types.

Each answer is a 4xx naming what was wrong (never a 500), and nothing is stored. On both databases: PostgreSQL
refuses what SQLite stores (an INTEGER id of 2^31, a 900 KB name in a varchar(200)).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets

from communicator.db.migrate import upgrade
from tests.conftest import API, DEMO_PASSWORD, PG_ADMIN_DSN, LiveServer, _pg_create, _pg_drop, make_server

INT_TOO_BIG = 2**31  # past the INTEGER columns on PostgreSQL
BIGINT_TOO_BIG = 2**63  # past every column (and SQLite's integers)
BODY_LIMIT = 16_000_000  # so a 10 MB field reaches validation instead of the body-size 413


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server per database for the whole module (every test here leaves the data as it was)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
        upgrade(url)
        server = make_server(url, max_body_bytes=BODY_LIMIT)
        yield server
        server.stop()
        return
    name = f"communicator_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_create(name))
    url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    upgrade(url)
    server = make_server(url, max_body_bytes=BODY_LIMIT)
    yield server
    server.stop()
    asyncio.run(_pg_drop(name))


@pytest.fixture(scope="module")
def admin_cookie(live: LiveServer) -> str:
    """The demo admin's session, logged in once per module (argon2 is slow on purpose)."""
    response = httpx.post(f"{live.url}{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD})
    response.raise_for_status()
    return response.cookies["communicator_session"]


@pytest.fixture
async def http(live: LiveServer, admin_cookie: str) -> AsyncIterator[httpx.AsyncClient]:
    """The demo admin's client on the module's server."""
    cookies = {"communicator_session": admin_cookie}
    async with httpx.AsyncClient(base_url=live.url, timeout=30, cookies=cookies) as client:
        yield client


# Everything a refused request could have changed: the directory, users, tokens, threads, and the settings and
# objects of the routes added since (contacts, account settings, mail, webhooks, HTTP provider, SMPP binds).
SNAPSHOT_PATHS = (
    "/mail",  # first: reading it the first time creates the account's mail user, which /users then lists
    "/employees",
    "/groups",
    "/users",
    "/tokens",
    "/threads",
    "/contacts",
    "/account/settings",
    "/webhooks",
    "/webhooks/calls",
    "/admin/http-provider",
    "/gateway/binds",
    "/platform/accounts",
)


async def snapshot(http: httpx.AsyncClient) -> list:
    """What a change would show up in (every answer must be a 200 to compare)."""
    answers = [await http.get(f"{API}{path}") for path in SNAPSHOT_PATHS]
    assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers if a.status_code != 200]
    return [answer.json() for answer in answers]


def assert_refused(response: httpx.Response, status: int, *named: str) -> None:
    """A JSON 4xx whose detail names each of `named`."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    for word in named:
        assert word in detail, detail


# --- bodies that cannot be decoded ---------------------------------------------------------------

UNDECODABLE = [
    pytest.param(b'{"name": "\xff\xfe"}', "UTF-8", id="invalid-utf8"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "nested too deeply", id="arrays-100000-deep"),
    pytest.param(b'{"name":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply", id="objects-100000-deep"),
]
JSON_ROUTES = [
    pytest.param("POST", "/groups", id="create-group"),
    pytest.param("PATCH", "/employees/1", id="update-employee"),
    pytest.param("POST", "/messages", id="send"),
    pytest.param("POST", "/auth/login", id="login"),
    pytest.param("POST", "/platform/inbox/1/assign", id="assign-unrouted"),
    pytest.param("POST", "/contacts", id="create-contact"),
    pytest.param("PATCH", "/contacts/1", id="update-contact"),
    pytest.param("POST", "/contacts/1/employee", id="promote-contact"),
    pytest.param("PUT", "/account/settings", id="account-settings"),
    pytest.param("POST", "/messages/1/follow-up", id="follow-up"),
    pytest.param("PUT", "/mail", id="mail-settings"),
    pytest.param("PUT", "/webhooks", id="webhook-settings"),
    pytest.param("PUT", "/admin/http-provider", id="http-provider"),
    pytest.param("PUT", "/users/1/api_password", id="api-password"),
    pytest.param("PATCH", "/platform/accounts/1", id="update-account"),
    pytest.param("POST", "/gateway/binds", id="create-bind"),
    pytest.param("PUT", "/gateway/binds/1", id="update-bind"),
]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize(("body", "named"), UNDECODABLE)
async def test_undecodable_body_is_a_400_naming_why(
    http: httpx.AsyncClient, method: str, path: str, body: bytes, named: str
) -> None:
    before = await snapshot(http)
    response = await http.request(method, API + path, content=body, headers={"content-type": "application/json"})
    assert_refused(response, 400, named)
    assert await snapshot(http) == before


async def test_an_unexpected_error_is_logged_with_its_traceback(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("communicator.services.identity.auth.get_user_read", broken)
    with caplog.at_level(logging.ERROR):
        response = await http.get(f"{API}/auth/me")
    assert response.status_code == 500 and "fire" not in response.text  # the client learns nothing
    logged = [r for r in caplog.records if r.exc_info and "the disk is on fire" in str(r.exc_info[1])]
    assert logged, [r.getMessage() for r in caplog.records]
    assert "/api/v1/auth/me" in logged[0].getMessage()
    assert "Traceback" in caplog.text and "broken" in caplog.text


# --- ids too large for their column ---------------------------------------------------------------

# (method, path, body): every route that takes an id in its path, query or body. {big} is the id.
BIND = {"account_id": 1, "host": "smsc.example", "system_id": "esme", "password": "pw"}  # a valid SMPP bind
INT_ID_ROUTES = [
    ("GET", "/threads/{big}/messages", None),
    ("POST", "/threads/{big}/read", {"last_message_id": 1}),
    ("PATCH", "/employees/{big}", {"name": "x"}),
    ("POST", "/employees", {"name": "x", "phone": "+79265550199", "group_ids": ["{big}"]}),
    ("PATCH", "/employees/1", {"group_ids": ["{big}"]}),
    ("PATCH", "/groups/{big}", {"name": "x"}),
    ("DELETE", "/groups/{big}", None),
    ("POST", "/groups", {"name": "x", "parent_id": "{big}"}),
    ("POST", "/groups", {"name": "x", "member_ids": ["{big}"]}),
    ("PATCH", "/groups/1", {"member_ids": ["{big}"]}),
    ("PATCH", "/users/{big}", {"name": "x"}),
    ("GET", "/users/{big}/permissions", None),
    ("PUT", "/users/{big}/permissions", {"all": True}),
    ("PUT", "/users/1/permissions", {"employees": ["{big}"]}),
    ("POST", "/permissions/preview", {"groups": ["{big}"]}),
    ("POST", "/users", {"login": "x-big", "password": "long-enough", "role": "Operator", "employee_id": "{big}"}),
    ("DELETE", "/tokens/{big}", None),
    ("POST", "/messages", {"text": "x", "recipients": {"employees": ["{big}"]}}),
    ("POST", "/messages", {"text": "x", "recipients": {"groups": ["{big}"]}}),
    ("POST", "/platform/inbox/1/assign", {"account_id": "{big}"}),
    ("PATCH", "/contacts/{big}", {"name": "x"}),
    ("POST", "/contacts/{big}/employee", {"name": "x"}),
    ("PUT", "/users/{big}/api_password", {"password": "long-enough-pw"}),
    ("PATCH", "/platform/accounts/{big}", {"timezone": "UTC"}),
    ("PUT", "/gateway/binds/{big}", BIND),
    ("DELETE", "/gateway/binds/{big}", None),
    ("POST", "/gateway/binds", {**BIND, "account_id": "{big}"}),
]
BIGINT_ID_ROUTES = [
    ("GET", "/messages/{big}", None),
    ("GET", "/threads/1/messages?before_id={big}", None),
    ("POST", "/threads/1/read", {"last_message_id": "{big}"}),
    ("GET", "/audit?before_id={big}", None),
    ("GET", "/messages/1?after_id={big}", None),
    ("GET", "/platform/inbox?before_id={big}", None),
    ("POST", "/platform/inbox/{big}/assign", {"account_id": 1}),
    ("POST", "/messages/{big}/cancel", None),
    ("POST", "/messages/{big}/follow-up", {"text": "x", "confirmed": True}),
    ("GET", "/webhooks/calls?before_id={big}", None),
]


def _with_id(value: object, big: int) -> object:
    """The body with "{big}" replaced by the id (as a JSON number)."""
    if value == "{big}":
        return big
    if isinstance(value, dict):
        return {k: _with_id(v, big) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_id(v, big) for v in value]
    return value


ID_CASES = [
    pytest.param(method, path, body, big, id=f"{method} {path.split('?')[0]} {sorted(body or {})} {big}")
    for routes, bigs in ((INT_ID_ROUTES, (INT_TOO_BIG, BIGINT_TOO_BIG)), (BIGINT_ID_ROUTES, (BIGINT_TOO_BIG,)))
    for method, path, body in routes
    for big in bigs
]


@pytest.mark.parametrize(("method", "path", "body", "big"), ID_CASES)
async def test_an_id_too_large_for_its_column_is_a_4xx(
    http: httpx.AsyncClient, method: str, path: str, body: dict | None, big: int
) -> None:
    before = await snapshot(http)
    response = await http.request(method, API + path.format(big=big), json=_with_id(body, big))
    assert response.status_code in (400, 404, 422), response.text
    assert str(big) in response.text or "<= " in response.json()["detail"], response.text
    assert await snapshot(http) == before


async def test_a_websocket_cursor_too_large_is_refused(live: LiveServer, http: httpx.AsyncClient) -> None:
    url = live.url.replace("http", "ws") + f"/ws?last_event_id={BIGINT_TOO_BIG}"
    headers = {"Cookie": f"communicator_session={http.cookies['communicator_session']}", "Origin": live.url}
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url, additional_headers=headers, proxy=None):
            pass
    assert refused.value.response.status_code == 403
    async with websockets.connect(url.split("?")[0] + "?last_event_id=0", additional_headers=headers, proxy=None):
        pass  # the largest cursor that makes sense is accepted


# --- stored text has a length limit -----------------------------------------------------------------

LONG_FIELDS = [
    ("POST", "/employees", {"phone": "+79265550198"}, "name"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198"}, "email"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198"}, "position"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198", "web_access": True, "password": "p" * 8}, "login"),
    ("POST", "/employees", {"name": "x", "phone": "+79265550198", "web_access": True, "login": "long"}, "password"),
    ("POST", "/employees", {"name": "x"}, "phone"),
    ("PATCH", "/employees/1", {}, "name"),
    ("PATCH", "/employees/1", {}, "position"),
    ("PATCH", "/employees/1", {}, "email"),
    ("POST", "/groups", {}, "name"),
    ("PATCH", "/groups/1", {}, "name"),
    ("POST", "/users", {"login": "long-name", "password": "p" * 8, "role": "Operator"}, "name"),
    ("POST", "/users", {"password": "p" * 8, "role": "Operator"}, "login"),
    ("PATCH", "/users/2", {}, "name"),
    ("PATCH", "/users/2", {}, "password"),
    ("POST", "/tokens", {"scopes": ["messages:read"]}, "name"),
    ("POST", "/platform/accounts", {"short_number": "4938", "admin_login": "a", "admin_password": "p" * 8}, "name"),
    ("POST", "/platform/accounts", {"name": "x", "short_number": "4938", "admin_password": "p" * 8}, "admin_login"),
    ("POST", "/platform/accounts", {"name": "x", "short_number": "4938", "admin_login": "a"}, "admin_name"),
    ("POST", "/simulator/inbound", {"text": "x"}, "from"),
    ("POST", "/simulator/inbound", {"from": "+79161000001"}, "text"),
    ("POST", "/simulator/inbound", {"from": "+79161000001", "text": "x"}, "to"),
    ("POST", "/auth/login", {"password": "x"}, "login"),
    ("POST", "/contacts", {"phone": "+79265550197"}, "name"),
    ("POST", "/contacts", {"phone": "+79265550197", "name": "x"}, "note"),
    ("PATCH", "/contacts/1", {}, "name"),
    ("POST", "/contacts/1/employee", {}, "name"),
    ("PUT", "/users/1/api_password", {}, "password"),
    ("PUT", "/webhooks", {}, "inbound_url"),
    ("PUT", "/admin/http-provider", {"url_template": "https://sms.example/send"}, "name"),
    ("POST", "/gateway/binds", {**BIND, "password": None}, "host"),
    ("POST", "/gateway/binds", BIND, "password"),
    ("PUT", "/gateway/binds/1", BIND, "system_id"),
    ("POST", "/messages", {"text": "x", "recipients": {"numbers": ["+79265550197"]}}, "sender_name"),
]


# Values a length limit does not catch first (a list item, a URL, a text the service measures): 10 MB each.
HUGE_VALUES = [
    ("PUT", "/mail", {"allowed_senders": ["{huge}@example.com"]}),
    ("PUT", "/webhooks", {"delivery_url": "https://{huge}.example/hook"}),
    ("PUT", "/admin/http-provider", {"name": "x", "url_template": "https://{huge}.example/"}),
    ("POST", "/messages/1/follow-up", {"text": "{huge}", "confirmed": True}),
    ("POST", "/messages", {"text": "{huge}", "recipients": {"numbers": ["+79265550197"]}}),
    ("POST", "/gateway/binds", {**BIND, "source_addr": "{huge}"}),
]


def _with_huge(value: object, huge: str) -> object:
    """The body with "{huge}" inside strings replaced by the huge text."""
    if isinstance(value, str):
        return value.replace("{huge}", huge)
    if isinstance(value, dict):
        return {k: _with_huge(v, huge) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_huge(v, huge) for v in value]
    return value


@pytest.mark.parametrize(
    ("method", "path", "body"), HUGE_VALUES, ids=[f"{m} {p} {sorted(b)}" for m, p, b in HUGE_VALUES]
)
async def test_a_ten_megabyte_value_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, method: str, path: str, body: dict
) -> None:
    before = await snapshot(http)
    response = await http.request(method, API + path, json=_with_huge(body, "x" * 10_000_000))
    assert response.status_code in (400, 404, 422), response.text[:300]
    assert len(response.content) < 10_000, "the answer does not echo the value"
    assert await snapshot(http) == before


@pytest.mark.parametrize("size", [900_000, 10_000_000], ids=["900KB", "10MB"])
@pytest.mark.parametrize(("method", "path", "body", "field"), LONG_FIELDS)
async def test_an_overlong_text_field_is_refused_naming_it(
    http: httpx.AsyncClient, method: str, path: str, body: dict, field: str, size: int
) -> None:
    before = await snapshot(http)
    response = await http.request(method, API + path, json={**body, field: "x" * size})
    assert_refused(response, 400, f"at {field}", "length <=")
    assert await snapshot(http) == before


async def test_a_recipient_number_of_a_megabyte_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(f"{API}/messages", json={"text": "x", "recipients": {"numbers": ["7" * 900_000]}})
    assert_refused(response, 400, "at recipients.numbers", "length <=")


# --- JSON routes take JSON only ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "named"),
    [
        pytest.param("text/plain", b'{"name": "CSRF"}', "text/plain", id="text-plain"),
        pytest.param("text/plain;charset=UTF-8", b'{"name": "CSRF"}', "text/plain", id="text-plain-utf8"),
        pytest.param("application/x-www-form-urlencoded", b"name=CSRF", "x-www-form-urlencoded", id="form"),
        pytest.param(
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nCSRF\r\n--x--\r\n',
            "multipart/form-data",
            id="multipart",
        ),
        pytest.param(None, b'{"name": "CSRF"}', "no Content-Type", id="none"),
    ],
)
@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
async def test_json_routes_refuse_other_content_types(
    http: httpx.AsyncClient, method: str, path: str, content_type: str | None, body: bytes, named: str
) -> None:
    before = await snapshot(http)
    headers = {"content-type": content_type} if content_type else {}  # httpx sends none for bare content
    response = await http.request(method, API + path, content=body, headers=headers)
    assert_refused(response, 415, "application/json", named)
    assert await snapshot(http) == before


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(http: httpx.AsyncClient) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await http.patch(
            f"{API}/groups/1", content=b'{"color": "#123456"}', headers={"content-type": content_type}
        )
        assert response.status_code == 200, response.text
