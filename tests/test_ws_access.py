"""The WebSocket sends each user only what they may see, and closes when their session ends (4401)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from communicator.api.ws import SESSION_ENDED
from tests.conftest import API, DEMO_PASSWORD, LiveServer, login
from tests.helpers import wait_for
from tests.test_api import all_delivered, inbound
from tests.test_ws import last_event_id, next_frame, open_socket, token_of

FITTERS, ENGINEERS = 1, 3  # demo groups «Монтажники» and «Дежурные инженеры»
CLOSE_WITHIN = 5.0


@pytest.fixture
async def operator(server: LiveServer, client: httpx.AsyncClient) -> AsyncIterator[tuple[int, httpx.AsyncClient]]:
    """An Operator restricted to «Монтажники», logged in; yields (user id, client)."""
    created = await client.post(
        f"{API}/users", json={"login": "fitter-boss", "password": DEMO_PASSWORD, "role": "Operator"}
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    permits = await client.put(f"{API}/users/{user_id}/permissions", json={"all": False, "groups": [FITTERS]})
    assert permits.status_code == 200, permits.text
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, "fitter-boss")
        yield user_id, http


async def send(client: httpx.AsyncClient, recipients: dict) -> dict:
    """Send as the admin and wait until every recipient has it."""
    response = await client.post(f"{API}/messages", json={"text": "Проверка связи", "recipients": recipients})
    assert response.status_code == 201, response.text
    message = response.json()
    await wait_for(lambda: all_delivered(client, message["id"]), what="all delivered")
    return message


async def frames_until(socket: ClientConnection, message_id: int) -> list[dict]:
    """Every frame up to and including the message.created of this message."""
    frames = [await next_frame(socket)]
    while not (frames[-1]["type"] == "message.created" and frames[-1]["message"]["id"] == message_id):
        frames.append(await next_frame(socket))
    return frames


def without_summaries(frames: list[dict]) -> list[dict]:
    """Frames with their delivery summaries left out."""
    stripped = []
    for frame in frames:
        frame = {k: v for k, v in frame.items() if k != "summary"}
        if "message" in frame:
            frame["message"] = {k: v for k, v in frame["message"].items() if k != "summary"}
        stripped.append(frame)
    return stripped


async def test_restricted_operator_never_gets_a_forbidden_event_live_or_on_replay(
    server: LiveServer, client: httpx.AsyncClient, operator: tuple[int, httpx.AsyncClient]
) -> None:
    _, http = operator
    start = await last_event_id(http)
    async with open_socket(server, token_of(http), start) as socket:
        forbidden = await send(client, {"groups": [ENGINEERS]})
        mixed = await send(client, {"employees": [1, 13]})
        hidden = await inbound(client, "+79161000013", "с дежурства")
        sentinel = await inbound(client, "+79161000001", "на объекте")
        live = await frames_until(socket, sentinel["id"])

    created = [f["message"]["id"] for f in live if f["type"] == "message.created"]
    assert created == [mixed["id"], sentinel["id"]]
    assert forbidden["id"] not in created and hidden["id"] not in created
    threads = {t["id"]: t for t in (await http.get(f"{API}/threads")).json()["items"]}
    mixed_frame = next(f for f in live if f["type"] == "message.created")
    assert [threads[t]["ref_id"] for t in mixed_frame["thread_ids"]] == [1]
    updates = [f for f in live if f["type"] == "delivery.updated"]
    assert updates and {f["message_id"] for f in updates} == {mixed["id"]}
    assert {d["employee_id"] for f in updates for d in f["deliveries"]} == {1}
    assert not {"access.changed", "resync"} & {f["type"] for f in live}

    # Summaries count only the operator's recipients: employee 1 of the mixed send's two.
    summaries = [f["summary"] for f in updates] + [mixed_frame["message"]["summary"]]
    assert all(summary["total"] == 1 for summary in summaries), summaries

    # Replay from the same point is filtered the same way, frame for frame (summaries are as of the
    # replay, so they may have moved on).
    async with open_socket(server, token_of(http), start) as socket:
        assert without_summaries(await frames_until(socket, sentinel["id"])) == without_summaries(live)
    # The admin, who sees everyone, gets what the operator did not.
    async with open_socket(server, token_of(client), start) as socket:
        everything = await frames_until(socket, sentinel["id"])
    assert {forbidden["id"], hidden["id"]} <= {f["message"]["id"] for f in everything if f["type"] == "message.created"}


async def test_a_reply_from_outside_the_reach_carries_what_rest_shows(
    server: LiveServer, client: httpx.AsyncClient, operator: tuple[int, httpx.AsyncClient]
) -> None:
    _, http = operator
    start = await last_event_id(http)
    async with open_socket(server, token_of(http), start) as socket:
        await send(client, {"groups": [FITTERS, ENGINEERS]})
        # An engineer (outside the operator's reach) answers the broadcast: it shows in the fitters' thread.
        reply = await inbound(client, "+79161000013", "с дежурства")
        live = (await frames_until(socket, reply["id"]))[-1]
    async with open_socket(server, token_of(http), start) as socket:
        replayed = (await frames_until(socket, reply["id"]))[-1]
    [thread_id] = live["thread_ids"]
    page = (await http.get(f"{API}/threads/{thread_id}/messages")).json()["items"]
    shown = next(m for m in page if m["id"] == reply["id"])
    assert (shown["sender_phone"], shown["employee_id"], shown["employee_name"]) == (None, None, None)
    assert live["message"] == shown == replayed["message"]
    # The admin, who reaches the engineer, gets the sender in the frame as in REST.
    async with open_socket(server, token_of(client), start) as socket:
        full = (await frames_until(socket, reply["id"]))[-1]["message"]
    assert (full["sender_phone"], full["employee_id"]) == ("+79161000013", 13)


async def test_a_permission_change_applies_to_the_open_socket(
    server: LiveServer, client: httpx.AsyncClient, operator: tuple[int, httpx.AsyncClient]
) -> None:
    user_id, http = operator
    async with open_socket(server, token_of(http), await last_event_id(http)) as socket:
        await client.put(f"{API}/users/{user_id}/permissions", json={"all": False, "groups": [FITTERS, ENGINEERS]})
        # What they see changed, so their client refetches it (the directory gains the engineers).
        assert await next_frame(socket) == {"type": "resync"}
        now_visible = await inbound(client, "+79161000013", "теперь видно")
        assert (await next_frame(socket))["message"]["id"] == now_visible["id"]
        await client.put(f"{API}/users/{user_id}/permissions", json={"all": False, "groups": [FITTERS]})
        assert await next_frame(socket) == {"type": "resync"}
        await inbound(client, "+79161000014", "снова скрыто")
        sentinel = await inbound(client, "+79161000002", "видно всегда")
        assert (await next_frame(socket))["message"]["id"] == sentinel["id"]


async def wait_closed(socket: ClientConnection) -> int | None:
    """The close code, once the server has closed the socket (fails after CLOSE_WITHIN seconds)."""
    try:
        await asyncio.wait_for(socket.wait_closed(), CLOSE_WITHIN)
    except TimeoutError:
        raise AssertionError(f"the socket was still open after {CLOSE_WITHIN}s") from None
    return socket.close_code


async def test_deactivating_a_user_closes_their_socket(
    server: LiveServer, client: httpx.AsyncClient, operator: tuple[int, httpx.AsyncClient]
) -> None:
    user_id, http = operator
    async with (
        open_socket(server, token_of(http)) as theirs,
        open_socket(server, token_of(client), await last_event_id(client)) as mine,
    ):
        assert (await client.patch(f"{API}/users/{user_id}", json={"active": False})).status_code == 200
        assert await wait_closed(theirs) == SESSION_ENDED
        # Everyone else's socket stays open and keeps streaming; the admin's shows the login deactivated.
        still = await inbound(client, "+79161000001", "работаем")
        frames = await frames_until(mine, still["id"])
        assert [(f["type"], f["user"]["active"]) for f in frames[:-1]] == [("user.updated", False)]


async def test_logout_closes_the_socket(
    server: LiveServer, client: httpx.AsyncClient, operator: tuple[int, httpx.AsyncClient]
) -> None:
    _, http = operator
    async with open_socket(server, token_of(http)) as socket:
        assert (await http.post(f"{API}/auth/logout")).status_code == 204
        assert await wait_closed(socket) == SESSION_ENDED
