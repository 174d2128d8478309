"""Input an attacker sends: undecodable bodies, ids too large for their column, huge texts, wrong content types.

Each answer is a 4xx naming what was wrong (never a 500), and nothing is stored. On both databases: PostgreSQL
refuses what SQLite stores (an INTEGER id of 2^31, a 900 KB name in a varchar(200)).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets

from communicator.db.migrate import upgrade
from tests.conftest import API, DEMO_PASSWORD, PG_ADMIN_DSN, LiveServer, _pg_create, _pg_drop, make_server
from tests.hostile_support import (
    BIGINT_TOO_BIG,
    BODY_LIMIT,
    DLR_SECRET,
    HOSTILE_URLS,
    HUGE_VALUES,
    ID_CASES,
    JSON_ROUTES,
    LONG_FIELDS,
    M2M_REQUESTS,
    UNDECODABLE,
    UNPARSABLE_SOAP,
    fill,
    snapshot,
)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server per database for the whole module (every test here leaves the data as it was)."""
    name = f"communicator_test_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
    else:
        asyncio.run(_pg_create(name))
        url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    upgrade(url)
    server = make_server(url, max_body_bytes=BODY_LIMIT)
    yield server
    server.stop()
    if request.param == "postgres":
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


def assert_refused(response: httpx.Response, status: int, *named: str) -> None:
    """A JSON 4xx whose detail names each of `named`."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    for word in named:
        assert word in detail, detail


# --- bodies that cannot be decoded ---------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize(("body", "named"), UNDECODABLE)
async def test_undecodable_body_is_a_400_naming_why(
    live: LiveServer, http: httpx.AsyncClient, method: str, path: str, body: bytes, named: str
) -> None:
    before = await snapshot(live)
    response = await http.request(method, API + path, content=body, headers={"content-type": "application/json"})
    assert_refused(response, 400, named)
    assert await snapshot(live) == before


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


@pytest.mark.parametrize(("method", "path", "body", "big"), ID_CASES)
async def test_an_id_too_large_for_its_column_is_a_4xx(
    live: LiveServer, http: httpx.AsyncClient, method: str, path: str, body: dict | None, big: int
) -> None:
    before = await snapshot(live)
    response = await http.request(method, API + path.format(big=big), json=fill(body, big=big))
    assert response.status_code in (400, 404, 422), response.text
    assert str(big) in response.text or "<= " in response.json()["detail"], response.text
    assert await snapshot(live) == before


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


@pytest.mark.parametrize(
    ("method", "path", "body"), HUGE_VALUES, ids=[f"{m} {p} {sorted(b)}" for m, p, b in HUGE_VALUES]
)
async def test_a_ten_megabyte_value_is_refused_and_changes_nothing(
    live: LiveServer, http: httpx.AsyncClient, method: str, path: str, body: dict
) -> None:
    before = await snapshot(live)
    response = await http.request(method, API + path, json=fill(body, huge="x" * 10_000_000))
    assert response.status_code in (400, 404, 422), response.text[:300]
    assert len(response.content) < 10_000, "the answer does not echo the value"
    assert await snapshot(live) == before


@pytest.mark.parametrize("size", [900_000, 10_000_000], ids=["900KB", "10MB"])
@pytest.mark.parametrize(("method", "path", "body", "field"), LONG_FIELDS)
async def test_an_overlong_text_field_is_refused_naming_it(
    live: LiveServer, http: httpx.AsyncClient, method: str, path: str, body: dict, field: str, size: int
) -> None:
    before = await snapshot(live)
    response = await http.request(method, API + path, json={**body, field: "x" * size})
    assert_refused(response, 400, f"at {field}", "length <=")
    assert await snapshot(live) == before


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
    live: LiveServer, http: httpx.AsyncClient, method: str, path: str, content_type: str | None, body: bytes, named: str
) -> None:
    before = await snapshot(live)
    headers = {"content-type": content_type} if content_type else {}  # httpx sends none for bare content
    response = await http.request(method, API + path, content=body, headers=headers)
    assert_refused(response, 415, "application/json", named)
    assert await snapshot(live) == before


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(http: httpx.AsyncClient) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await http.patch(
            f"{API}/groups/1", content=b'{"color": "#123456"}', headers={"content-type": content_type}
        )
        assert response.status_code == 200, response.text


def test_every_json_route_is_listed(live: LiveServer) -> None:
    """A route added to api/ with a JSON body must join JSON_ROUTES (and so every attack here)."""
    listed = {(p.values[0], p.values[1]) for p in JSON_ROUTES}
    taking_json = {
        (method, re.sub(r"\{\w+:int\}", "1", route.path).removeprefix(API))
        for route in live.app.routes
        for handler in getattr(route, "route_handlers", [])
        if "data" in handler.parsed_fn_signature.parameters
        for method in handler.http_methods
    }
    assert taking_json - listed == set()


# --- bodies that are not JSON: provider reports, imported files; ids in paths ---------------------------
@pytest.fixture(scope="module")
def dlr_url(live: LiveServer, admin_cookie: str) -> str:
    """The address an HTTP provider posts its (signed) delivery reports to."""
    provider = {"name": "x", "url_template": "https://sms.example/send", "body_type": "form", "dlr_secret": DLR_SECRET}
    cookies = {"communicator_session": admin_cookie}
    response = httpx.put(f"{live.url}{API}/admin/http-provider", json=provider, cookies=cookies)
    assert response.status_code == 200, response.text
    return live.url + response.json()["dlr_url"]


@pytest.mark.parametrize(
    "body",
    [*(p.values[0] for p in UNDECODABLE), b'{"id": "' + b"x" * 10_000_000 + b'"}'],
    ids=[*(p.id for p in UNDECODABLE), "10MB"],
)
async def test_a_signed_delivery_report_that_cannot_be_read_is_a_422(
    live: LiveServer, http: httpx.AsyncClient, dlr_url: str, body: bytes
) -> None:
    before = await snapshot(live)
    signature = hmac.new(DLR_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = await http.post(dlr_url, content=body, headers={"X-Signature": signature})
    assert response.status_code == 422 and len(response.content) < 10_000, response.text[:300]
    assert response.json()["code"] == "dlr_invalid"
    assert await snapshot(live) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"\xd0\x28\xc3\x28;\xff\xfe\r\n" * 1000, 422), (b"x" * 10_000_000, 413)],
    ids=["invalid-utf8", "10MB"],
)
async def test_a_directory_file_that_cannot_be_read_is_refused(
    live: LiveServer, http: httpx.AsyncClient, body: bytes, status: int
) -> None:
    before = await snapshot(live)
    response = await http.post(f"{API}/directory/import?apply=true&format=csv", content=body)
    assert response.status_code == status, response.text[:300]
    assert await snapshot(live) == before


@pytest.mark.parametrize("path", HOSTILE_URLS)
async def test_a_hostile_path_or_query_is_a_4xx(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(API + path)
    assert 400 <= response.status_code < 500 and len(response.content) < 10_000, response.text[:300]


# --- the M2M API: its faults are HTTP 500 by protocol; a client's mistake is a one-line Client fault --------
@pytest.fixture(scope="module")
def m2m_login(live: LiveServer, admin_cookie: str) -> dict[str, str]:
    """The demo admin's M2M credentials: login and the MD5 of an API password."""
    cookies = {"communicator_session": admin_cookie}
    admin = httpx.get(f"{live.url}{API}/auth/me", cookies=cookies).json()
    response = httpx.put(
        f"{live.url}{API}/users/{admin['id']}/api_password", json={"password": "m2m-pass"}, cookies=cookies
    )
    assert response.status_code == 204, response.text
    return {"login": "admin", "password": hashlib.md5(b"m2m-pass").hexdigest()}


@pytest.mark.parametrize(("op", "fields", "huge"), M2M_REQUESTS)
async def test_m2m_refuses_with_a_client_fault(
    live: LiveServer, http: httpx.AsyncClient, m2m_login: dict, op: str, fields: dict, huge: str | None
) -> None:
    before = await snapshot(live)
    form = {**fields, **({huge: "7" * 10_000_000} if huge else {}), **m2m_login}
    response = await http.post(f"/m2m/m2m_api.asmx/{op}", data=form)
    assert response.status_code == 500 and len(response.content) < 1000, response.text[:300]
    assert response.text != "Internal server error." and "\n" not in response.text.strip(), response.text
    assert await snapshot(live) == before


@pytest.mark.parametrize("body", UNPARSABLE_SOAP)
async def test_m2m_soap_that_cannot_be_parsed_is_a_client_fault(
    live: LiveServer, http: httpx.AsyncClient, body: bytes
) -> None:
    before = await snapshot(live)
    response = await http.post("/m2m/m2m_api.asmx", content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 500 and b"soap:Client" in response.content, response.text[:300]
    assert await snapshot(live) == before
