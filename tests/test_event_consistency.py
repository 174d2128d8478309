"""Old state + events == a fresh fetch (Zulip's rule): a client that applies the stream stays right.

Every event type is produced and applied here; a type without a case in `_apply` fails the test.
"""

from __future__ import annotations

import asyncio
import smtplib
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any, get_args

import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from communicator.events import AnyEvent
from tests.conftest import API, DEMO_PASSWORD, LiveServer, free_port, login, make_server
from tests.test_api import inbound
from tests.test_ws import next_frame, open_socket

RANK = {"Pending": 0, "Sending": 1, "Sent": 2}
State = dict[str, Any]


def _apply_message(state: State, event: dict) -> None:
    """Threads gain the message; an inbound one is unread in each of them."""
    message = event["message"]
    state["messages"][message["id"]] = message
    for thread_id in event["thread_ids"]:
        state["threads"].setdefault(thread_id, []).append(message["id"])
        state["unread"][thread_id] = state["unread"].get(thread_id, 0) + (message["direction"] == "in")


def _apply_deliveries(state: State, event: dict) -> None:
    """Deliveries move forward, never back; the summary is the newest."""
    state["messages"][event["message_id"]]["summary"] = event["summary"]
    for delivery in event["deliveries"]:
        known = state["deliveries"].get(delivery["id"])
        if known is None or RANK.get(known, 3) <= RANK.get(delivery["status"], 3):
            state["deliveries"][delivery["id"]] = delivery["status"]


def _apply_group(state: State, group: dict | None, deleted: int | None = None) -> None:
    """A group's members decide which employees list it; a deleted one leaves every employee."""
    changed = group["id"] if group else deleted
    for employee in state["employees"].values():
        others = [g for g in employee["group_ids"] if g != changed]
        member = group is not None and employee["id"] in group["member_ids"]
        employee["group_ids"] = sorted([*others, changed] if member else others)
    if group:
        state["groups"][group["id"]] = group
    else:
        state["groups"].pop(deleted, None)


def _apply(state: State, event: dict) -> None:
    """What the SPA does with each event type."""
    kind = event["type"]
    state["applied"].add(kind)
    if kind == "message.created":
        _apply_message(state, event)
    elif kind == "delivery.updated":
        _apply_deliveries(state, event)
    elif kind in ("employee.created", "employee.updated"):
        state["employees"][event["employee"]["id"]] = event["employee"]
    elif kind in ("group.created", "group.updated"):
        _apply_group(state, event["group"])
    elif kind == "group.deleted":
        _apply_group(state, None, event["group_id"])
    elif kind in ("user.created", "user.updated"):
        state["users"][event["user"]["id"]] = event["user"]
    elif kind == "thread.read":  # each message once ever: subtract exactly
        for count in event["threads"]:
            state["unread"][count["thread_id"]] -= count["read"]
    elif kind == "thread.updated":
        state["titles"][event["thread_id"]] = (event["kind"], event["title"])
    elif kind in ("contact.created", "contact.updated"):
        state["contacts"][event["contact"]["id"]] = event["contact"]
    elif kind == "contact.deleted":
        state["contacts"].pop(event["contact_id"], None)
    elif kind == "account.updated":
        state["settings"] = event["settings"]
    elif kind == "message.folded":
        state["folded"][event["message_id"]] = event["folded"]
    elif kind in ("template.created", "template.updated"):
        state["templates"][event["template"]["id"]] = event["template"]
    elif kind == "template.deleted":
        state["templates"].pop(event["template_id"], None)
    elif kind == "export.updated":
        state["exports"][event["export"]["id"]] = event["export"]
    else:
        raise AssertionError(f"no case for {kind}")
    for group in event.get("groups", []):
        state["groups"][group["id"]] = group


async def _directory(client: httpx.AsyncClient) -> State:
    """Employees, groups and users by id, as REST shows them."""
    found: State = {}
    paths = ("employees", "groups", "users", "contacts", "templates")
    for key, path in zip(paths, paths, strict=True):
        found[key] = {item["id"]: item for item in (await client.get(f"{API}/{path}")).json()["items"]}
    found["settings"] = (await client.get(f"{API}/account/settings")).json()
    return found


async def _fresh(client: httpx.AsyncClient, message_ids: list[int]) -> State:
    """The same state fetched from scratch over REST: every thread, every message, the directory."""
    threads, unread, titles = {}, {}, {}
    for thread in (await client.get(f"{API}/threads")).json()["items"]:
        titles[thread["id"]] = (thread["kind"], thread["title"])
        page = (await client.get(f"{API}/threads/{thread['id']}/messages", params={"limit": 200})).json()
        threads[thread["id"]] = [m["id"] for m in page["items"]]
        unread[thread["id"]] = thread["unread"]
    messages, deliveries, folded = {}, {}, {}
    for message_id in message_ids:
        message = (await client.get(f"{API}/messages/{message_id}")).json()
        messages[message_id] = message["summary"]
        folded[message_id] = message["folded"]
        deliveries.update({d["id"]: d["status"] for d in message["deliveries"]})
    tags = {t["tag"]: t["subscribers"] for t in (await client.get(f"{API}/tags")).json()["items"]}
    fresh = {"threads": threads, "unread": unread, "summaries": messages, "deliveries": deliveries, "tags": tags}
    fresh["titles"] = titles
    fresh["folded"] = folded
    return fresh | await _directory(client)


def _tags(employees: dict[int, dict]) -> dict[str, int]:
    """Subscriber counts as the SPA derives them from the employees it holds (active ones only)."""
    return dict(Counter(tag for e in employees.values() if e["active"] for tag in e["tags"]))


async def _change_directory(client: httpx.AsyncClient) -> None:
    """One of every directory and user change, cross-effects included."""
    parent = (await client.post(f"{API}/groups", json={"name": "Смена А", "color": "#aa3300", "parent_id": 1})).json()
    child = {"name": "Звено 1", "color": "#0033aa", "parent_id": parent["id"], "member_ids": [2]}
    child_id = (await client.post(f"{API}/groups", json=child)).json()["id"]
    hired = {"name": "Новиков", "phone": "+79161234567", "group_ids": [child_id], "tags": ["ночь"]}
    hired |= {"web_access": True, "role": "BaseUser", "login": "novikov", "password": DEMO_PASSWORD}
    employee_id = (await client.post(f"{API}/employees", json=hired)).json()["id"]
    await client.patch(f"{API}/groups/{parent['id']}", json={"name": "Смена Б", "member_ids": [1]})
    await client.patch(f"{API}/groups/{child_id}", json={"member_ids": [2, 3]})
    await client.delete(f"{API}/groups/{parent['id']}")
    boss = {"login": "boss", "password": DEMO_PASSWORD, "role": "Operator"}
    user_id = (await client.post(f"{API}/users", json=boss)).json()["id"]
    await client.put(f"{API}/users/{user_id}/permissions", json={"all": False, "groups": [child_id]})
    users = (await client.get(f"{API}/users")).json()["items"]
    own_login = next(u["id"] for u in users if u["employee_id"] == employee_id)
    await client.patch(f"{API}/users/{own_login}", json={"role": "Operator"})
    await client.patch(f"{API}/employees/{employee_id}", json={"active": False})


async def _change_contacts(client: httpx.AsyncClient) -> None:
    """The unknown number named, renamed, then made an employee; the account settings changed."""
    contact = (await client.post(f"{API}/contacts", json={"phone": "+79035550101", "name": "Поставщик"})).json()
    await client.patch(f"{API}/contacts/{contact['id']}", json={"note": "цемент"})
    await client.post(f"{API}/contacts/{contact['id']}/employee", json={"name": "Поставщик Иван"})
    await client.put(f"{API}/account/settings", json={"reply_window_hours": 6, "confirm_threshold_sms": 50})


async def _change_templates(client: httpx.AsyncClient) -> None:
    """A template added, changed and another deleted."""
    kept = (await client.post(f"{API}/templates", json={"name": "Замер", "body": "Замер: {{ address }}"})).json()
    await client.patch(f"{API}/templates/{kept['id']}", json={"body": "Замер: {{ address }}, #{{ order }}"})
    gone = (await client.post(f"{API}/templates", json={"name": "Старый", "body": "x"})).json()
    await client.delete(f"{API}/templates/{gone['id']}")


async def _apply_until(socket: ClientConnection, state: State, message_id: int) -> None:
    """Apply frames up to and including the message.created of this message."""
    while True:
        frame = await next_frame(socket)
        _apply(state, frame)
        if frame["type"] == "message.created" and frame["message"]["id"] == message_id:
            return


def _mail_alert(server: LiveServer, to: str) -> None:
    """An alert mail to the #авария subscribers (4 in the demo), over SMTP."""
    mail = EmailMessage()
    mail["From"], mail["Subject"] = "mon@example.com", "#авария сервер 1"
    mail.set_content("недоступен")
    with smtplib.SMTP("127.0.0.1", server.settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(mail, to_addrs=[to])


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    """The live server, with its SMTP listener (an alert mail makes the message.folded event)."""
    live = make_server(sqlite_url, smtp_port=free_port())
    yield live
    live.stop()


async def test_applying_every_event_type_equals_a_fresh_fetch(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        await login(client)
        mail = (await client.put(f"{API}/mail", json={"allowed_senders": ["mon@example.com"]})).json()
        start = (await client.get(f"{API}/threads")).json()["last_event_id"]
        state: State = {"messages": {}, "threads": {}, "deliveries": {}, "unread": {}, "applied": set(), "folded": {}}
        state |= await _directory(client)
        state["titles"], state["exports"] = {}, {}
        async with open_socket(server, client.cookies["communicator_session"], last_event_id=start) as socket:
            for _ in range(2):  # the second one is folded into the first
                await asyncio.to_thread(_mail_alert, server, mail["address"])
            sent = (
                await client.post(
                    f"{API}/messages",
                    json={"text": "#501 сбор", "recipients": {"groups": [1], "numbers": ["+79035550101"]}},
                )
            ).json()
            await inbound(client, "+79161000001", "#501 принял")
            await inbound(client, "+79035550101", "кто это?")
            while not _settled(state, sent["id"], 9 + 4) or not state["folded"]:
                _apply(state, await next_frame(socket))
            thread_id = next(t for t, unread in state["unread"].items() if unread)
            await client.post(f"{API}/threads/{thread_id}/read", json={"last_message_id": max(state["messages"])})
            await _change_directory(client)
            await _change_contacts(client)
            await _change_templates(client)
            export_id = (await client.post(f"{API}/exports", json={})).json()["id"]
            sentinel = await inbound(client, "+79161000002", "на месте")
            await _apply_until(socket, state, sentinel["id"])
            while state["exports"].get(export_id, {}).get("status") not in ("done", "failed"):
                _apply(state, await next_frame(socket))
        job = (await client.get(f"{API}/exports/{export_id}")).json()
        assert {k: state["exports"][export_id][k] for k in ("status", "rows", "total")} == {
            k: job[k] for k in ("status", "rows", "total")
        }
        fresh = await _fresh(client, sorted(state["messages"]))
    assert state["applied"] == {str(t.__struct_config__.tag) for t in get_args(AnyEvent)}
    for key in ("threads", "unread", "deliveries", "employees", "groups", "users", "contacts", "settings", "templates"):
        assert state[key] == fresh[key], key
    # every title an event changed is the one REST shows (the others came with the list)
    assert {t: fresh["titles"][t] for t in state["titles"]} == state["titles"]
    assert _tags(state["employees"]) == fresh["tags"]
    assert {m: state["messages"][m]["summary"] for m in fresh["summaries"]} == fresh["summaries"]
    assert state["folded"] == {m: f for m, f in fresh["folded"].items() if f}


def _settled(state: State, message_id: int, recipients: int) -> bool:
    """Every delivery of the broadcast reported Delivered and both replies seen."""
    inbound_seen = sum(1 for m in state["messages"].values() if m["direction"] == "in")
    delivered = list(state["deliveries"].values()).count("Delivered")
    return message_id in state["messages"] and inbound_seen == 2 and delivered == recipients
