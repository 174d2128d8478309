"""Old state + events == a fresh fetch (Zulip's rule): a client that applies the stream stays right."""

from __future__ import annotations

import httpx

from tests.conftest import API, LiveServer, login
from tests.test_api import inbound
from tests.test_ws import next_frame, open_socket

RANK = {"Pending": 0, "Sending": 1, "Sent": 2}


def _apply(state: dict, event: dict) -> None:
    """What a client does with each event: threads gain messages, deliveries move forward."""
    if event["type"] == "message.created":
        message = event["message"]
        state["messages"][message["id"]] = message
        for thread_id in event["thread_ids"]:
            state["threads"].setdefault(thread_id, []).append(message["id"])
    elif event["type"] == "delivery.updated":
        state["messages"][event["message_id"]]["summary"] = event["summary"]
        for delivery in event["deliveries"]:
            known = state["deliveries"].get(delivery["id"])
            if known is None or RANK.get(known, 3) <= RANK.get(delivery["status"], 3):
                state["deliveries"][delivery["id"]] = delivery["status"]


async def _fresh(client: httpx.AsyncClient, message_ids: list[int]) -> dict:
    """The same state fetched from scratch over REST: every thread, every message."""
    threads = {}
    for thread_id in [t["id"] for t in (await client.get(f"{API}/threads")).json()["items"]]:
        page = (await client.get(f"{API}/threads/{thread_id}/messages", params={"limit": 200})).json()
        threads[thread_id] = [m["id"] for m in page["items"]]
    messages, deliveries = {}, {}
    for message_id in message_ids:
        message = (await client.get(f"{API}/messages/{message_id}")).json()
        messages[message_id] = message["summary"]
        deliveries.update({d["id"]: d["status"] for d in message["deliveries"]})
    return {"threads": threads, "summaries": messages, "deliveries": deliveries}


async def test_applying_events_equals_a_fresh_fetch(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        await login(client)
        token = client.cookies["communicator_session"]
        start = (await client.get(f"{API}/threads")).json()["last_event_id"]
        state: dict = {"messages": {}, "threads": {}, "deliveries": {}}
        async with open_socket(server, token, last_event_id=start) as socket:
            sent = (
                await client.post(
                    f"{API}/messages",
                    json={"text": "#501 сбор", "recipients": {"groups": [1], "numbers": ["+79035550101"]}},
                )
            ).json()
            await inbound(client, "+79161000001", "#501 принял")
            await inbound(client, "+79035550101", "кто это?")
            while not _settled(state, sent["id"], 9):
                _apply(state, await next_frame(socket))
        fresh = await _fresh(client, sorted(state["messages"]))
    assert state["threads"] == fresh["threads"]
    assert state["deliveries"] == fresh["deliveries"]
    assert {m: state["messages"][m]["summary"] for m in fresh["summaries"]} == fresh["summaries"]


def _settled(state: dict, message_id: int, recipients: int) -> bool:
    """Every delivery of the broadcast reported Delivered and both replies seen."""
    inbound_seen = sum(1 for m in state["messages"].values() if m["direction"] == "in")
    delivered = list(state["deliveries"].values()).count("Delivered")
    return message_id in state["messages"] and inbound_seen == 2 and delivered == recipients
