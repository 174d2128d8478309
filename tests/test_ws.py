"""GET /ws end to end: live events, catch-up after a reconnect, resync, refusals, account isolation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import websockets
from sqlalchemy import delete, select
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from communicator.api import ws as ws_module
from communicator.db.models import Event
from communicator.db.session import Database
from communicator.events.visibility import EventView
from communicator.schemas import EmployeeCreate
from communicator.services.core.actors import Actor
from communicator.services.directory.employees import create_employee
from communicator.services.identity.accounts import create_account, create_user
from tests.conftest import API, LiveServer, login
from tests.helpers import receive_reply
from tests.test_api import inbound

FRAME_TIMEOUT = 10.0


@asynccontextmanager
async def open_socket(
    server: LiveServer, token: str | None, last_event_id: int | None = None, origin: str | None = "same"
) -> AsyncIterator[ClientConnection]:
    """A WebSocket to /ws as a browser would open it: the session cookie and the page's Origin."""
    url = server.url.replace("http://", "ws://") + "/ws"
    if last_event_id is not None:
        url += f"?last_event_id={last_event_id}"
    headers = {}
    if token is not None:
        headers["Cookie"] = f"communicator_session={token}"
    if origin is not None:
        headers["Origin"] = server.url if origin == "same" else origin
    async with websockets.connect(url, additional_headers=headers, proxy=None, open_timeout=10) as socket:
        yield socket


async def next_frame(socket: ClientConnection, timeout: float = FRAME_TIMEOUT) -> dict:
    """The next event frame, or fail after the timeout."""
    try:
        return json.loads(await asyncio.wait_for(socket.recv(), timeout))
    except TimeoutError:
        raise AssertionError(f"no WebSocket frame within {timeout}s") from None


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client logged in as the demo admin."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http)
        yield http


def token_of(client: httpx.AsyncClient) -> str:
    """The client's session cookie."""
    return client.cookies["communicator_session"]


async def last_event_id(client: httpx.AsyncClient) -> int:
    """Where a freshly loaded page starts following events."""
    return (await client.get(f"{API}/threads")).json()["last_event_id"]


async def account_event_ids(database_url: str, account_id: int, after: int) -> list[int]:
    """The stored event ids of one account after `after`."""
    db = Database(database_url)
    try:
        async with db.read() as session:
            return list(
                (
                    await session.execute(
                        select(Event.id).where(Event.account_id == account_id, Event.id > after).order_by(Event.id)
                    )
                ).scalars()
            )
    finally:
        await db.dispose()


# --- live -------------------------------------------------------------------------------------


async def test_inbound_and_delivery_updates_arrive_live(server: LiveServer, client: httpx.AsyncClient) -> None:
    async with open_socket(server, token_of(client), await last_event_id(client)) as socket:
        reply = await inbound(client, "+79161000007", "На месте")
        frame = await next_frame(socket)
        assert frame["type"] == "message.created" and frame["id"] > 0
        assert frame["message"]["id"] == reply["id"] and frame["message"]["text"] == "На месте"
        assert frame["message"]["direction"] == "in" and frame["message"]["employee_id"] == 7
        thread = (await client.get(f"{API}/threads")).json()["items"][0]
        assert frame["thread_ids"] == [thread["id"]] and thread["ref_id"] == 7

        sent = (
            await client.post(f"{API}/messages", json={"text": "Принято", "recipients": {"employees": [1, 2]}})
        ).json()
        created = await next_frame(socket)
        assert created["type"] == "message.created" and created["id"] > frame["id"]
        assert created["message"]["id"] == sent["id"] and created["message"]["deliveries"] is None
        assert created["message"]["summary"] == {"total": 2, "counts": {"Pending": 2}}

        rank = {"Pending": 0, "Sending": 1, "Sent": 2, "Delivered": 3}
        seen: dict[int, str] = {}
        last_id = created["id"]
        while seen != {d["id"]: "Delivered" for d in sent["deliveries"]}:
            update = await next_frame(socket)
            assert update["type"] == "delivery.updated" and update["message_id"] == sent["id"]
            assert update["id"] > last_id
            last_id = update["id"]
            for delivery in update["deliveries"]:
                assert rank[delivery["status"]] >= rank[seen.get(delivery["id"], "Pending")], update
                seen[delivery["id"]] = delivery["status"]
        assert update["summary"] == {"total": 2, "counts": {"Delivered": 2}}


async def test_a_send_carries_its_client_id_back_in_the_answer_and_the_event_only(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    body = {"text": "Эхо", "recipients": {"employees": [1]}, "client_id": "tab-1"}
    async with open_socket(server, token_of(client), await last_event_id(client)) as socket:
        sent = (await client.post(f"{API}/messages", json=body)).json()
        created = await next_frame(socket)
    assert sent["client_id"] == "tab-1"
    assert created["type"] == "message.created" and created["message"]["client_id"] == "tab-1"
    assert (await client.get(f"{API}/messages/{sent['id']}")).json()["client_id"] is None
    too_long = await client.post(f"{API}/messages", json={**body, "client_id": "x" * 65})
    assert too_long.status_code == 400 and "client_id" in too_long.text


async def test_socket_without_last_event_id_gets_events_after_it_opened(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    await inbound(client, "+79161000008", "до подключения")
    async with open_socket(server, token_of(client)) as socket:
        after = await inbound(client, "+79161000008", "после подключения")
        frame = await next_frame(socket)
    assert frame["message"]["id"] == after["id"]


# --- catch-up ---------------------------------------------------------------------------------


async def test_reconnect_replays_exactly_what_was_missed_then_streams_live(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = token_of(client)
    async with open_socket(server, token, await last_event_id(client)) as socket:
        first = await inbound(client, "+79161000009", "первое")
        frame = await next_frame(socket)
        assert frame["message"]["id"] == first["id"]
        seen_up_to = frame["id"]

    missed = [(await inbound(client, "+79161000009", f"пропущенное {i}"))["id"] for i in range(3)]

    async with open_socket(server, token, seen_up_to) as socket:
        replayed = [await next_frame(socket) for _ in missed]
        assert [f["type"] for f in replayed] == ["message.created"] * 3
        assert [f["message"]["id"] for f in replayed] == missed
        ids = [f["id"] for f in replayed]
        assert ids == sorted(set(ids)) and ids[0] > seen_up_to
        assert ids == await account_event_ids(server.settings.database_url, 1, seen_up_to)

        # Live events follow; nothing replayed comes again.
        live = [(await inbound(client, "+79161000010", f"живое {i}"))["id"] for i in range(2)]
        following = [await next_frame(socket) for _ in live]
        assert [f["message"]["id"] for f in following] == live
        assert following[0]["id"] > ids[-1] and following[1]["id"] > following[0]["id"]


async def test_reconnect_during_a_stream_of_events_has_no_gaps_or_duplicates(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    token = token_of(client)
    start = await last_event_id(client)
    posted: list[int] = []
    halfway = asyncio.Event()

    async def keep_posting() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as phone:
            for i in range(30):
                posted.append((await inbound(phone, f"+791610000{1 + i % 20:02}", f"поток {i}"))["id"])
                if i == 10:
                    halfway.set()

    poster = asyncio.create_task(keep_posting())
    try:
        await asyncio.wait_for(halfway.wait(), FRAME_TIMEOUT)
        # Reconnect with an id from before the stream: replay and live overlap while events keep coming.
        async with open_socket(server, token, start) as socket:
            frames = [await next_frame(socket) for _ in range(30)]
    finally:
        await poster
    ids = [f["id"] for f in frames]
    assert ids == sorted(set(ids)), "events repeated or out of order"
    assert ids == await account_event_ids(server.settings.database_url, 1, start), "events missing"
    assert [f["message"]["id"] for f in frames] == posted


async def test_event_committed_between_subscribe_and_replay_is_sent_once(
    server: LiveServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Force the overlap the catch-up protocol exists for: an event that reaches the socket both live
    (it is published after the subscription) and in the replay (it is committed before the replay reads)."""
    real_replay = ws_module._replay
    between: list[int] = []

    async def replay_after_a_commit(db: Database, socket: object, view: EventView, after: int) -> set[int]:
        between.append((await receive_reply(db, "+79161000012", "между")).id)
        return await real_replay(db, socket, view, after)  # type: ignore[arg-type]

    monkeypatch.setattr(ws_module, "_replay", replay_after_a_commit)
    async with open_socket(server, token_of(client), await last_event_id(client)) as socket:
        frame = await next_frame(socket)
        assert frame["message"]["id"] == between[0]
        sentinel = await inbound(client, "+79161000012", "после")
        assert (await next_frame(socket))["message"]["id"] == sentinel["id"], "the overlapping event came twice"


async def test_too_old_last_event_id_gets_resync(server: LiveServer, client: httpx.AsyncClient) -> None:
    start = await last_event_id(client)  # after the demo directory's own events
    for i in range(4):
        await inbound(client, "+79161000011", f"старое {i}")
    ids = await account_event_ids(server.settings.database_url, 1, start)
    assert len(ids) == 4
    # Retention: only the two newest events are kept.
    db = Database(server.settings.database_url)
    try:
        async with db.write() as session:
            await session.execute(delete(Event).where(Event.id < ids[2]))
    finally:
        await db.dispose()

    token = token_of(client)
    async with open_socket(server, token, ids[0]) as socket:
        assert await next_frame(socket) == {"type": "resync"}
        # After a resync the socket still streams live events.
        fresh = await inbound(client, "+79161000011", "новое")
        frame = await next_frame(socket)
        assert frame["type"] == "message.created" and frame["message"]["id"] == fresh["id"]
    # A client that saw everything up to just before the oldest kept event misses nothing: no resync.
    async with open_socket(server, token, ids[1]) as socket:
        frames = [await next_frame(socket) for _ in range(3)]
    assert [f.get("id") for f in frames][:2] == ids[2:]
    assert frames[2]["message"]["id"] == fresh["id"]


# --- refusals ---------------------------------------------------------------------------------


async def _refused(server: LiveServer, token: str | None, origin: str | None = "same") -> int:
    """The HTTP status a refused handshake got (fails if the socket opened)."""
    with pytest.raises(InvalidStatus) as refused:
        async with open_socket(server, token, origin=origin):
            pass
    return refused.value.response.status_code


async def test_unauthenticated_socket_is_refused(server: LiveServer, client: httpx.AsyncClient) -> None:
    assert await _refused(server, None) == 403
    assert await _refused(server, "forged-token") == 403
    token = token_of(client)
    async with open_socket(server, token):
        pass  # the same handshake with a real session opens
    await client.post(f"{API}/auth/logout")
    assert await _refused(server, token) == 403


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
async def test_foreign_origin_socket_is_refused(server: LiveServer, client: httpx.AsyncClient, origin: str) -> None:
    assert await _refused(server, token_of(client), origin) == 403
    async with open_socket(server, token_of(client), origin="same"):
        pass


# --- isolation --------------------------------------------------------------------------------


async def _second_account(database_url: str) -> None:
    """Another company in the same database: admin «other» and one employee with phone +79269990001."""
    db = Database(database_url)
    try:
        async with db.write() as session:
            account = await create_account(session, "ООО «Другая»", short_number="5000")
            user = await create_user(session, account.id, "other", "other-password", "Administrator")
        await create_employee(
            db,
            Actor(user.id, account.id, user.role, user.login, user.name),
            EmployeeCreate(name="Чужой Сотрудник", phone="+79269990001"),
        )
    finally:
        await db.dispose()


async def test_accounts_see_only_their_own_events(server: LiveServer, client: httpx.AsyncClient) -> None:
    await _second_account(server.settings.database_url)
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as other:
        me = await login(other, "other", "other-password")
        assert me["account_id"] == 2
        async with (
            open_socket(server, token_of(client), await last_event_id(client)) as mine,
            open_socket(server, token_of(other), await last_event_id(other)) as theirs,
        ):
            ours = await inbound(client, "+79161000001", "наше")
            assert (await next_frame(mine))["message"]["id"] == ours["id"]
            foreign = await inbound(client, "+79269990001", "чужое")
            # Account 1's event was published first: had it leaked, it would arrive here first.
            assert (await next_frame(theirs))["message"]["id"] == foreign["id"]
            sentinel = await inbound(client, "+79161000002", "снова наше")
            assert (await next_frame(mine))["message"]["id"] == sentinel["id"]

        # Replay from the very beginning is filtered too.
        async with open_socket(server, token_of(other), 0) as theirs:
            replayed = [await next_frame(theirs)]
            while replayed[-1]["type"] != "message.created":
                replayed.append(await next_frame(theirs))
            # Their own directory's events first (their employee), then their message, nothing of ours.
            assert {f["type"] for f in replayed[:-1]} <= {"employee.created", "user.created"}
            assert replayed[-1]["message"]["id"] == foreign["id"]
            again = await inbound(client, "+79269990001", "ещё чужое")
            assert (await next_frame(theirs))["message"]["id"] == again["id"]

        threads = (await other.get(f"{API}/threads")).json()["items"]
        assert [t["title"] for t in threads] == ["Чужой Сотрудник"]
        assert (await other.get(f"{API}/messages/{ours['id']}")).status_code == 404
        assert (await client.get(f"{API}/messages/{foreign['id']}")).status_code == 404
