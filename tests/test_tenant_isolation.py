"""Tenant isolation: a hypothesis state machine acts as the users of two accounts on a live server.

Every response and every WebSocket frame one account gets is checked for the other account's marker
(in every name and text it created) and phone prefix; every id of the other account must answer exactly
like an id that never existed. Both accounts share the short number 4938, as they do at the operator: a reply
lands in the account of the employee (or of whoever last texted the phone), one nobody knows in the unrouted inbox.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx
import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from communicator.db.session import Database
from communicator.services.identity.accounts import create_account, create_user
from tests.conftest import API, LiveServer, free_port
from tests.helpers import wait_for_sync

pytestmark = pytest.mark.heavy  # started first under xdist (docs/testing.md)

MARKS = {"A": "tenantAlpha", "B": "tenantBravo"}
PHONE_PREFIXES = {"A": "+7916111", "B": "+7916222"}
SHORT_NUMBER = "4938"  # shared by both accounts
PASSWORD = "isolation-password"
MIN_STEPS = 2000
NEVER_EXISTED = 987_654_321
_serial = itertools.count(1)
# Draws never depend on server state (ids differ run to run): an index, reduced modulo the pool size.
_index = st.integers(min_value=0, max_value=10**6)


def pick(data: st.DataObject, pool: list[int]) -> int | None:
    """One item of the pool (None when empty); always draws the same way."""
    index = data.draw(_index)
    return pool[index % len(pool)] if pool else None


def pick_some(data: st.DataObject, pool: list[int], most: int) -> list[int]:
    """Up to `most` distinct items of the pool; always draws the same way."""
    indexes = data.draw(st.lists(_index, max_size=most))
    return sorted({pool[i % len(pool)] for i in indexes}) if pool else []


@dataclass
class Tenant:
    """One account as the state machine sees it: a logged-in browser, a token, a live socket, its ids."""

    key: str
    other: str
    http: httpx.Client
    bearer: httpx.Client
    socket: ClientConnection
    frames: list[str] = field(default_factory=list)
    ids: dict[str, list[int]] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    # Whether the account has texted its stranger's number (PHONE_PREFIX + 9999): the server remembers across runs.
    texted_stranger: bool = False

    def check_clean(self, text: str, where: str) -> None:
        """Nothing of the other account in what this one received."""
        # Tags are stored case-folded: «#tenantBravo1» comes back as «#tenantbravo1».
        for leak in (MARKS[self.other], MARKS[self.other].casefold(), PHONE_PREFIXES[self.other]):
            assert leak not in text, (
                f"account {self.key} got {leak!r} of account {self.other} from {where}: {text[:300]}"
            )

    def add_id(self, kind: str, value: int) -> None:
        """Remember an id this account owns."""
        self.ids.setdefault(kind, []).append(value)


def _collect(tenant: Tenant) -> None:
    """Keep every frame the account's socket receives (runs in a thread until the socket closes)."""
    try:
        while True:
            frame = tenant.socket.recv()
            tenant.frames.append(frame if isinstance(frame, str) else frame.decode())
    except ConnectionClosed:
        pass


async def _create_accounts(url: str) -> None:
    """Two accounts, each with its Administrator, on the same short number."""
    db = Database(url)
    try:
        async with db.write() as session:
            for key in ("A", "B"):
                account = await create_account(session, f"{MARKS[key]} company", SHORT_NUMBER)
                await create_user(session, account.id, f"{MARKS[key]}-admin", PASSWORD, "Administrator")
    finally:
        await db.dispose()


def _open_tenant(server: LiveServer, key: str, other: str, stack: ExitStack) -> Tenant:
    """Log in, create an API token, open the WebSocket."""
    http = httpx.Client(base_url=server.url, timeout=10)
    login = http.post(f"{API}/auth/login", json={"login": f"{MARKS[key]}-admin", "password": PASSWORD})
    assert login.status_code == 200, login.text
    created = http.post(
        f"{API}/tokens", json={"name": f"{MARKS[key]} token", "scopes": ["messages:read", "directory:read"]}
    )
    assert created.status_code == 201, created.text
    bearer = httpx.Client(
        base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {created.json()['token']}"}
    )
    last_event_id = http.get(f"{API}/threads").json()["last_event_id"]
    socket = stack.enter_context(
        connect(
            server.url.replace("http://", "ws://") + f"/ws?last_event_id={last_event_id}",
            additional_headers={
                "Cookie": f"communicator_session={http.cookies['communicator_session']}",
                "Origin": server.url,
            },
            proxy=None,
        )
    )
    tenant = Tenant(key, other, http, bearer, socket)
    tenant.add_id("token", created.json()["id"])
    threading.Thread(target=_collect, args=(tenant,), daemon=True).start()
    return tenant


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Tenant]]:
    """A live server with accounts A and B, each logged in with a socket open."""
    from communicator.db.migrate import upgrade
    from communicator.settings import load_settings

    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('isolation') / 'isolation.db'}"
    upgrade(url)
    asyncio.run(_create_accounts(url))
    settings = load_settings({}, database_url=url, sim_dlr_delay_ms=5.0, sim_submit_latency_ms=0.0, port=free_port())
    server = LiveServer(settings).start()
    with ExitStack() as stack:
        found = {"A": _open_tenant(server, "A", "B", stack), "B": _open_tenant(server, "B", "A", stack)}
        for tenant in found.values():
            stack.callback(tenant.http.close)
            stack.callback(tenant.bearer.close)
        yield found
    server.stop()


# Requests that name one object by id; each must treat another account's id like one that never existed.
BY_ID = {
    "employee": [("PATCH", "/employees/{id}", {"position": "x"})],
    "group": [("PATCH", "/groups/{id}", {"color": "#000000"}), ("DELETE", "/groups/{id}", None)],
    "thread": [("GET", "/threads/{id}/messages", None), ("POST", "/threads/{id}/read", {"last_message_id": 1})],
    "message": [("GET", "/messages/{id}", None), ("GET", "/messages/{id}/proof.xlsx", None)],
    "export": [("GET", "/exports/{id}", None), ("GET", "/exports/{id}/file", None)],
    "user": [("PATCH", "/users/{id}", {"name": "x"}), ("GET", "/users/{id}/permissions", None)],
    "token": [("DELETE", "/tokens/{id}", None)],
    "send-employee": [("POST", "/messages", "employee")],
    "send-group": [("POST", "/messages", "group")],
}


class TwoAccounts(RuleBasedStateMachine):
    """Users of two accounts creating, listing, reading, sending and probing each other's ids."""

    tenants: dict[str, Tenant]
    steps = 0

    def __init__(self) -> None:
        super().__init__()
        # Ids created in this run only, so each run's draws depend on its own steps alone.
        for tenant in self.tenants.values():
            tenant.ids = {"token": tenant.ids.get("token", [])[:1]}
            tenant.phones = []

    def _tenant(self, key: str) -> Tenant:
        """The acting account; every rule counts as a step."""
        TwoAccounts.steps += 1
        return self.tenants[key]

    def _request(self, tenant: Tenant, method: str, path: str, body: object = None, *, bearer: bool = False):
        """One request as the account, its body checked for leaks."""
        client = tenant.bearer if bearer else tenant.http
        response = client.request(method, f"{API}{path}", json=body)
        tenant.check_clean(response.text, f"{method} {path}")
        return response

    @rule(key=st.sampled_from("AB"))
    def create_employee(self, key: str) -> None:
        """Add an employee with the account's marker and phone prefix."""
        tenant = self._tenant(key)
        serial = next(_serial)
        phone = f"{PHONE_PREFIXES[key]}{serial:04d}"
        body = {"name": f"{MARKS[key]} employee {serial}", "phone": phone, "tags": [f"{MARKS[key]}{serial % 3}"]}
        response = self._request(tenant, "POST", "/employees", body)
        assert response.status_code in (200, 201), response.text
        tenant.add_id("employee", response.json()["id"])
        tenant.phones.append(phone)

    @rule(key=st.sampled_from("AB"), data=st.data())
    def create_group(self, key: str, data: st.DataObject) -> None:
        """Add a group holding some of the account's employees."""
        tenant = self._tenant(key)
        members = pick_some(data, tenant.ids.get("employee", []), 4)
        body = {"name": f"{MARKS[key]} group {next(_serial)}", "member_ids": members}
        response = self._request(tenant, "POST", "/groups", body)
        assert response.status_code in (200, 201), response.text
        tenant.add_id("group", response.json()["id"])

    @rule(key=st.sampled_from("AB"), data=st.data())
    def send(self, key: str, data: st.DataObject) -> None:
        """Send to some of the account's employees and groups."""
        tenant = self._tenant(key)
        employees = pick_some(data, tenant.ids.get("employee", []), 3)
        groups = pick_some(data, tenant.ids.get("group", []), 2)
        recipients: dict[str, list] = {"employees": employees, "groups": groups}
        if not tenant.phones:
            recipients["numbers"] = [f"{PHONE_PREFIXES[key]}9999"]
        serial = next(_serial)
        # Its own tag and one both accounts use: each account has its own tag threads, «#общий» included.
        body = {"text": f"{MARKS[key]} message {serial} #{MARKS[key]}{serial % 3} #общий", "recipients": recipients}
        response = self._request(tenant, "POST", "/messages", body)
        if response.status_code == 422 and response.json().get("code") == "no_recipients":
            return  # every chosen group was empty
        assert response.status_code in (200, 201), response.text
        tenant.add_id("message", response.json()["id"])
        tenant.texted_stranger |= "numbers" in recipients

    @rule(key=st.sampled_from("AB"), data=st.data())
    def receive(self, key: str, data: st.DataObject) -> None:
        """An SMS to the shared short number from one of the account's phones, its stranger or an unknown phone."""
        tenant = self._tenant(key)
        stranger = f"{PHONE_PREFIXES[key]}9999"
        senders = [*tenant.phones, stranger, f"{PHONE_PREFIXES[key]}8888"]
        sender = senders[data.draw(_index) % len(senders)]
        serial = next(_serial)
        text = f"{MARKS[key]} reply {serial} #{MARKS[key]}{serial % 3} #общий"
        response = tenant.http.post(f"{API}/simulator/inbound", json={"from": sender, "to": SHORT_NUMBER, "text": text})
        assert response.status_code in (200, 201), response.text
        received = response.json()
        if sender in tenant.phones or (sender == stranger and tenant.texted_stranger):
            assert self._request(tenant, "GET", f"/messages/{received['id']}").json()["text"] == text
            tenant.add_id("message", received["id"])
        else:  # nobody's: the platform's unrouted inbox, which neither account's admin may open
            assert received["sender"] == sender and "direction" not in received, received
            assert self._request(tenant, "GET", "/platform/inbox").status_code == 403

    @rule(key=st.sampled_from("AB"), bearer=st.booleans())
    def list_everything(self, key: str, bearer: bool) -> None:
        """Every list the account can read; the thread ids are remembered for probing."""
        tenant = self._tenant(key)
        paths = ["/threads", "/employees", "/groups", "/tags"]
        if not bearer:
            paths += ["/users", "/tokens", "/audit", "/simulator/phones", "/auth/me"]
        for path in paths:
            response = self._request(tenant, "GET", path, bearer=bearer)
            assert response.status_code == 200, f"{path}: {response.text}"
        threads = self._request(tenant, "GET", "/threads").json()["items"]
        tenant.ids["thread"] = [t["id"] for t in threads]
        users = self._request(tenant, "GET", "/users").json()["items"]
        tenant.ids["user"] = [u["id"] for u in users]

    @rule(key=st.sampled_from("AB"), data=st.data())
    def read_own(self, key: str, data: st.DataObject) -> None:
        """A thread page and a message of the account's own."""
        tenant = self._tenant(key)
        for kind, path in (("thread", "/threads/{id}/messages"), ("message", "/messages/{id}")):
            own = pick(data, tenant.ids.get(kind, []))
            if own is not None:
                response = self._request(tenant, "GET", path.format(id=own))
                assert response.status_code == 200, response.text

    @rule(key=st.sampled_from("AB"))
    def export(self, key: str) -> None:
        """Start an export of everything the account sees (two may run at once: a third is 409)."""
        tenant = self._tenant(key)
        response = self._request(tenant, "POST", "/exports", {})
        assert response.status_code in (202, 409), response.text
        if response.status_code == 202:
            tenant.add_id("export", response.json()["id"])

    @rule(key=st.sampled_from("AB"), data=st.data())
    def read_export(self, key: str, data: st.DataObject) -> None:
        """An export of the account's own, and its file once done: nothing of the other account in any cell."""
        tenant = self._tenant(key)
        own = pick(data, tenant.ids.get("export", []))
        if own is None:
            return
        job = self._request(tenant, "GET", f"/exports/{own}")
        assert job.status_code == 200, job.text
        if job.json()["status"] == "done":
            file = tenant.http.get(f"{API}/exports/{own}/file")
            assert file.status_code == 200, file.text
            book = openpyxl.load_workbook(io.BytesIO(file.content), read_only=True)
            cells = [
                str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row
            ]
            tenant.check_clean(" ".join(cells), f"export {own}")

    @rule(key=st.sampled_from("AB"), bearer=st.booleans(), data=st.data())
    def search(self, key: str, bearer: bool, data: st.DataObject) -> None:
        """The history search finds the account's own messages and none of the other's, whatever it names."""
        tenant = self._tenant(key)
        other = self.tenants[tenant.other]
        own = self._request(tenant, "GET", f"/search?q={MARKS[key]}", bearer=bearer)
        assert own.status_code == 200, own.text
        if tenant.ids.get("message"):  # one of this run (earlier runs' stay on the server too)
            assert own.json()["items"], own.text
        foreign = {"q": MARKS[tenant.other]}
        for kind in ("employee", "group"):
            found = pick(data, other.ids.get(kind, []))
            if found is not None:
                foreign[f"{kind}_id"] = str(found)
        for params in [foreign] + [{"q": MARKS[key], name: value} for name, value in foreign.items() if name != "q"]:
            response = (tenant.bearer if bearer else tenant.http).get(f"{API}/search", params=params)
            tenant.check_clean(response.text, f"GET /search {params}")
            assert response.status_code == 200 and response.json()["items"] == [], (params, response.text)

    @rule(key=st.sampled_from("AB"), kind=st.sampled_from(sorted(BY_ID)), data=st.data())
    def probe_other_accounts_id(self, key: str, kind: str, data: st.DataObject) -> None:
        """An id of the other account answers exactly like an id that never existed."""
        tenant = self._tenant(key)
        foreign = pick(data, self.tenants[tenant.other].ids.get(kind.removeprefix("send-"), []))
        if foreign is None:
            return
        for method, path, body in BY_ID[kind]:
            probe = self._by_id_request(tenant, method, path, body, foreign)
            missing = self._by_id_request(tenant, method, path, body, NEVER_EXISTED)
            assert probe.status_code == missing.status_code, f"{method} {path} {kind} {foreign}: {probe.text}"
            assert probe.status_code in (404, 422), probe.text
            assert probe.json().get("code") == missing.json().get("code")

    def _by_id_request(self, tenant: Tenant, method: str, path: str, body: object, object_id: int) -> httpx.Response:
        """The request naming `object_id`, in the path or as a recipient."""
        if body in ("employee", "group"):
            recipients = {f"{body}s": [object_id]}
            return self._request(tenant, method, path, {"text": "probe", "recipients": recipients})
        return self._request(tenant, method, path.format(id=object_id), body)


def wait_for_own_frames(tenant: Tenant) -> None:
    """The socket did carry the account's own events (so the leak check below saw real traffic)."""
    marker = MARKS[tenant.key]
    wait_for_sync(lambda: any(marker in frame for frame in tenant.frames), what=f"a frame of account {tenant.key}")


def test_accounts_never_see_each_other(tenants: dict[str, Tenant]) -> None:
    """≥ 2,000 steps over both accounts: 0 responses or events of the other account; foreign ids are 404."""
    TwoAccounts.tenants = tenants
    logging.getLogger("httpx").setLevel(logging.WARNING)  # thousands of request lines would only slow the run
    run_settings = settings(
        max_examples=25,
        stateful_step_count=100,
        deadline=None,
        database=None,
        # Only generation: the server keeps state between runs, so replaying or shrinking cannot reproduce.
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    while TwoAccounts.steps < MIN_STEPS:
        run_state_machine_as_test(TwoAccounts, settings=run_settings)
    print(f"{TwoAccounts.steps} steps")
    for tenant in tenants.values():
        wait_for_own_frames(tenant)
        for frame in tenant.frames:
            tenant.check_clean(frame, "the WebSocket")
            assert json.loads(frame)["type"] != "access.changed"
