"""The REST API end to end: a live server, real HTTP (docs/api.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from communicator.db.migrate import upgrade
from communicator.db.models import Delivery, Event, Message
from communicator.db.session import Database
from tests.conftest import API, DEMO_PASSWORD, LiveServer, login, make_server
from tests.helpers import wait_for

EMPLOYEE_1_PHONE = "+79161000001"


@pytest.fixture(scope="module")
def refusing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the bad-input matrix: each case asserts it changed nothing, so they can share it."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('refusals') / 'test.db'}"
    upgrade(url)
    live = make_server(url)
    yield live
    live.stop()


async def stored_counts(db: Database) -> tuple[int, int, int]:
    """Messages, deliveries and message events in the database (the demo directory has events of its own)."""
    message_events = select(func.count()).where(Event.type.in_(("message.created", "delivery.updated")))
    async with db.read() as session:
        counts = [
            (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (Message, Delivery)
        ]
        return (*counts, (await session.execute(message_events)).scalar_one())  # type: ignore[return-value]


async def inbound(client: httpx.AsyncClient, sender: str, text: str) -> dict:
    """An SMS typed on a virtual phone."""
    response = await client.post(f"{API}/simulator/inbound", json={"from": sender, "text": text})
    assert response.status_code == 201, response.text
    return response.json()


async def all_delivered(client: httpx.AsyncClient, message_id: int) -> bool:
    """Whether every delivery of the message is Delivered."""
    message = (await client.get(f"{API}/messages/{message_id}")).json()
    return message["summary"]["counts"] == {"Delivered": message["summary"]["total"]}


# --- health and auth ---------------------------------------------------------------------------


async def test_health(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_login_sets_httponly_samesite_cookie_and_me_works(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(f"{API}/auth/me")).status_code == 401
        response = await http.post(f"{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD})
        assert response.status_code == 200
        assert response.json()["login"] == "admin" and response.json()["role"] == "Administrator"
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("communicator_session="))
        attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
        assert "httponly" in attributes
        assert attributes["samesite"].lower() in {"samesite=lax", "samesite=strict"}
        me = await http.get(f"{API}/auth/me")
    assert me.status_code == 200
    assert me.json()["login"] == "admin" and me.json()["account_name"] == "ООО «Энергомонтаж»"


@pytest.mark.parametrize(("name", "password"), [("admin", "wrong-password"), ("nobody", DEMO_PASSWORD)])
async def test_wrong_credentials_are_401_with_detail(server: LiveServer, name: str, password: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(f"{API}/auth/login", json={"login": name, "password": password})
        assert response.status_code == 401
        assert "login or password" in response.json()["detail"]
        assert "communicator_session" not in response.headers.get("set-cookie", "")
        assert (await http.get(f"{API}/auth/me")).status_code == 401


async def test_logout_invalidates_the_session_server_side(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        await login(http)
        token = http.cookies["communicator_session"]
        assert (await http.get(f"{API}/auth/me")).status_code == 200
        response = await http.post(f"{API}/auth/logout")
        assert response.status_code == 204
    # Replay the old cookie from a fresh client: the server must have forgotten it,
    # not merely asked the browser to drop it.
    async with httpx.AsyncClient(base_url=server.url, cookies={"communicator_session": token}) as replay:
        me = await replay.get(f"{API}/auth/me")
        threads = await replay.get(f"{API}/threads")
    assert me.status_code == 401 and threads.status_code == 401
    assert me.json()["detail"]


async def test_unauthenticated_api_is_401(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get(f"{API}/threads")
        forged = await http.get(f"{API}/threads", headers={"Cookie": "communicator_session=forged-token"})
        send = await http.post(f"{API}/messages", json={"text": "hi", "recipients": {"employees": [1]}})
    assert response.status_code == 401 and "Log in" in response.json()["detail"]
    assert forged.status_code == 401
    assert send.status_code == 401


# --- sending ----------------------------------------------------------------------------------


async def test_send_to_group_is_delivered_to_every_member(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/messages", json={"text": "Сбор в 9:00", "recipients": {"groups": [2]}})
    assert response.status_code == 201, response.text
    message = response.json()
    # «Замерщики» are employees 8..12.
    assert sorted(d["employee_id"] for d in message["deliveries"]) == [8, 9, 10, 11, 12]
    assert message["summary"]["total"] == 5 and message["direction"] == "out"
    await wait_for(lambda: all_delivered(client, message["id"]), what="all 5 Delivered")
    final = (await client.get(f"{API}/messages/{message['id']}")).json()
    assert {d["status"] for d in final["deliveries"]} == {"Delivered"}
    assert {d["phone"] for d in final["deliveries"]} == {f"+791610000{i:02}" for i in range(8, 13)}


async def test_unknown_message_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/messages/424242")
    assert response.status_code == 404 and "424242" in response.json()["detail"]


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


BAD_SENDS = [
    pytest.param(_json({"text": "   ", "recipients": {"employees": [1]}}), 422, "empty", id="empty-text"),
    pytest.param(_json({"text": "x" * 1001, "recipients": {"employees": [1]}}), 422, "1001", id="text-too-long"),
    pytest.param(_json({"text": "hi", "recipients": {"numbers": ["+7 123"]}}), 422, "+7 123", id="bad-number"),
    pytest.param(
        _json({"text": "hi", "recipients": {"employees": [1], "groups": [999]}}), 422, "999", id="unknown-group"
    ),
    pytest.param(_json({"text": "hi", "recipients": {"employees": [424242]}}), 422, "424242", id="unknown-employee"),
    pytest.param(_json({"text": "hi", "recipients": {}}), 422, "No recipients", id="no-recipients"),
    pytest.param(b'{"text": "hi", recipients: {"employees": [1]}}', 400, "malformed", id="malformed-json"),
    pytest.param(b'{"text": "hi", "recipients": {"employees": [1]', 400, "truncated", id="truncated-json"),
    pytest.param(_json({"text": 5, "recipients": {"employees": [1]}}), 400, "text", id="wrong-type"),
    pytest.param(_json({"text": "hi", "recipients": {"employees": "1"}}), 400, "employees", id="wrong-nested-type"),
    pytest.param(
        _json({"text": "hi", "recipients": {"employees": [1]}, "priority": 1}), 400, "priority", id="unknown-field"
    ),
    pytest.param(_json({"text": "hi"}), 400, "recipients", id="missing-field"),
]


@pytest.mark.parametrize(("body", "status", "named"), BAD_SENDS)
async def test_bad_send_is_named_and_nothing_stored(
    refusing_server: LiveServer, body: bytes, status: int, named: str
) -> None:
    database = Database(refusing_server.settings.database_url)
    try:
        async with httpx.AsyncClient(base_url=refusing_server.url, timeout=10) as client:
            await login(client)
            response = await client.post(f"{API}/messages", content=body, headers={"content-type": "application/json"})
            assert response.status_code == status, response.text
            assert named in response.json()["detail"]
            # Nothing stored, queued or announced, by this case or any earlier one.
            assert await stored_counts(database) == (0, 0, 0)
            threads = (await client.get(f"{API}/threads")).json()
            assert threads["items"] == []
    finally:
        await database.dispose()


async def test_oversized_body_is_413_and_nothing_stored(
    client: httpx.AsyncClient, server: LiveServer, server_db: Database
) -> None:
    limit = server.settings.max_body_bytes
    body = _json({"text": "hi", "recipients": {"numbers": ["+79031234567"] * (limit // 14 + 1)}})
    assert len(body) > limit
    response = await client.post(f"{API}/messages", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["detail"]
    assert await stored_counts(server_db) == (0, 0, 0)
    assert (await client.get(f"{API}/threads")).json()["items"] == []


async def test_text_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/messages", json={"text": "x" * 1000, "recipients": {"employees": [1]}})
    assert response.status_code == 201, response.text
    assert response.json()["parts"] == 7


async def test_number_is_normalised_and_known_numbers_link_to_the_employee(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/messages", json={"text": "hi", "recipients": {"numbers": ["8 (916) 100-00-02", "+7 903 123-45-67"]}}
    )
    assert response.status_code == 201, response.text
    deliveries = {d["phone"]: d["employee_id"] for d in response.json()["deliveries"]}
    assert deliveries == {"+79161000002": 2, "+79031234567": None}


# --- directory ------------------------------------------------------------------------------


async def test_employee_create_normalises_phone_and_refuses_duplicates(client: httpx.AsyncClient) -> None:
    created = await client.post(
        f"{API}/employees",
        json={"name": "Тестов Тест", "phone": "8 (926) 555-12-34", "position": "Стажёр", "group_ids": [1]},
    )
    assert created.status_code == 201, created.text
    employee = created.json()
    assert employee["phone"] == "+79265551234" and employee["active"] is True and employee["group_ids"] == [1]
    listed = (await client.get(f"{API}/employees")).json()["items"]
    assert len(listed) == 21 and employee["id"] in {e["id"] for e in listed}

    duplicate = await client.post(f"{API}/employees", json={"name": "Двойник", "phone": "+7 926 555 12 34"})
    assert duplicate.status_code == 409 and "+79265551234" in duplicate.json()["detail"]
    existing = await client.post(f"{API}/employees", json={"name": "Двойник", "phone": EMPLOYEE_1_PHONE})
    assert existing.status_code == 409
    taken = await client.patch(f"{API}/employees/{employee['id']}", json={"phone": EMPLOYEE_1_PHONE})
    assert taken.status_code == 409 and taken.json()["code"] == "phone_taken"

    invalid = await client.post(f"{API}/employees", json={"name": "Кривой", "phone": "12345"})
    assert invalid.status_code == 422 and "12345" in invalid.json()["detail"]
    unknown_group = await client.post(
        f"{API}/employees", json={"name": "Без группы", "phone": "+79265550000", "group_ids": [77]}
    )
    assert unknown_group.status_code == 422 and "77" in unknown_group.json()["detail"]
    assert len((await client.get(f"{API}/employees")).json()["items"]) == 21


async def test_employee_deactivation(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"{API}/employees/5", json={"active": False})
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False and response.json()["phone"] == "+79161000005"
    listed = {e["id"]: e for e in (await client.get(f"{API}/employees")).json()["items"]}
    assert listed[5]["active"] is False and len(listed) == 20
    # Deactivated employees get nothing: not directly, not through their group.
    refused = await client.post(f"{API}/messages", json={"text": "hi", "recipients": {"employees": [5]}})
    assert refused.status_code == 422 and "5" in refused.json()["detail"]
    group = await client.post(f"{API}/messages", json={"text": "hi", "recipients": {"groups": [1]}})
    assert group.status_code == 201
    assert 5 not in {d["employee_id"] for d in group.json()["deliveries"]}
    phones = (await client.get(f"{API}/simulator/phones")).json()["items"]
    assert "+79161000005" not in {p["phone"] for p in phones}
    missing = await client.patch(f"{API}/employees/424242", json={"active": False})
    assert missing.status_code == 404


async def test_nested_groups_count_childrens_members_and_refuse_cycles(client: httpx.AsyncClient) -> None:
    parent = await client.post(f"{API}/groups", json={"name": "Все на выезде", "color": "#123456", "member_ids": [18]})
    assert parent.status_code == 201, parent.text
    parent_id = parent.json()["id"]
    child = await client.post(
        f"{API}/groups", json={"name": "Бригада 1", "parent_id": parent_id, "member_ids": [19, 20, 18]}
    )
    assert child.status_code == 201, child.text
    child_id = child.json()["id"]
    grandchild = await client.post(f"{API}/groups", json={"name": "Звено 1", "parent_id": child_id, "member_ids": [1]})
    assert grandchild.status_code == 201
    groups = {g["id"]: g for g in (await client.get(f"{API}/groups")).json()["items"]}
    assert groups[parent_id]["member_ids"] == [18]
    assert groups[parent_id]["member_count"] == 4  # 18, 19, 20 (child), 1 (grandchild); 18 once
    assert groups[child_id]["parent_id"] == parent_id and groups[child_id]["member_count"] == 4  # 18, 19, 20 and 1

    for new_parent in (grandchild.json()["id"], child_id, parent_id):
        cycle = await client.patch(f"{API}/groups/{parent_id}", json={"parent_id": new_parent})
        assert cycle.status_code == 422 and "itself" in cycle.json()["detail"], cycle.text
    unknown = await client.post(f"{API}/groups", json={"name": "Сирота", "parent_id": 999})
    assert unknown.status_code == 422 and "999" in unknown.json()["detail"]
    bad_color = await client.post(f"{API}/groups", json={"name": "Цвет", "color": "red"})
    assert bad_color.status_code == 400 and "color" in bad_color.json()["detail"]
    after = {g["id"]: g for g in (await client.get(f"{API}/groups")).json()["items"]}
    assert after[parent_id]["parent_id"] is None and len(after) == 6

    # Sending to the parent reaches the nested members once each.
    sent = await client.post(f"{API}/messages", json={"text": "всем", "recipients": {"groups": [parent_id]}})
    assert sorted(d["employee_id"] for d in sent.json()["deliveries"]) == [1, 18, 19, 20]


# --- threads ----------------------------------------------------------------------------------


async def test_inbound_shows_as_unread_employee_thread_first(client: httpx.AsyncClient) -> None:
    await inbound(client, "+79161000003", "раньше")
    reply = await inbound(client, "8 916 100-00-04", "Готово, объект сдан")
    assert reply["employee_id"] == 4 and reply["sender_phone"] == "+79161000004"
    listing = (await client.get(f"{API}/threads")).json()
    first = listing["items"][0]
    assert (first["kind"], first["ref_id"]) == ("employee", 4)
    assert first["title"] == "Кузнецов Игорь Николаевич"
    assert first["unread"] == 1 and first["last_message"]["id"] == reply["id"]
    assert first["last_message"]["text"] == "Готово, объект сдан"
    assert listing["last_event_id"] >= 2

    marked = await client.post(f"{API}/threads/{first['id']}/read", json={"last_message_id": reply["id"]})
    assert marked.status_code == 204
    unread = {t["ref_id"]: t["unread"] for t in (await client.get(f"{API}/threads")).json()["items"]}
    assert unread == {4: 0, 3: 1}
    # A read mark never moves back.
    await client.post(f"{API}/threads/{first['id']}/read", json={"last_message_id": 0})
    assert (await client.get(f"{API}/threads")).json()["items"][0]["unread"] == 0


async def test_unknown_sender_thread_and_unknown_thread_404(client: httpx.AsyncClient) -> None:
    await inbound(client, "+79035550000", "кто это?")
    thread = (await client.get(f"{API}/threads")).json()["items"][0]
    assert thread["kind"] == "contact" and thread["phone"] == "+79035550000" and thread["unread"] == 1
    missing = await client.get(f"{API}/threads/424242/messages")
    assert missing.status_code == 404 and "424242" in missing.json()["detail"]
    refused = await client.post(f"{API}/threads/424242/read", json={"last_message_id": 1})
    assert refused.status_code == 404


async def test_thread_messages_page_backwards(client: httpx.AsyncClient) -> None:
    ids = [(await inbound(client, "+79161000006", f"сообщение {i}"))["id"] for i in range(5)]
    thread_id = (await client.get(f"{API}/threads")).json()["items"][0]["id"]
    url = f"{API}/threads/{thread_id}/messages"

    newest = (await client.get(url, params={"limit": 2})).json()
    assert [m["id"] for m in newest["items"]] == ids[3:] and newest["has_more"] is True
    middle = (await client.get(url, params={"limit": 2, "before_id": ids[3]})).json()
    assert [m["id"] for m in middle["items"]] == ids[1:3] and middle["has_more"] is True
    oldest = (await client.get(url, params={"limit": 2, "before_id": ids[1]})).json()
    assert [m["id"] for m in oldest["items"]] == ids[:1] and oldest["has_more"] is False
    whole = (await client.get(url)).json()
    assert [m["text"] for m in whole["items"]] == [f"сообщение {i}" for i in range(5)]
    assert whole["has_more"] is False
    too_big = await client.get(url, params={"limit": 1000})
    assert too_big.status_code == 400 and "limit" in too_big.json()["detail"]


async def test_group_reply_joins_the_group_thread(client: httpx.AsyncClient) -> None:
    sent = (
        await client.post(f"{API}/messages", json={"text": "#7 кто свободен?", "recipients": {"groups": [3]}})
    ).json()
    reply = await inbound(client, "+79161000013", "я")  # untagged: a tagged reply goes to its tag's thread
    assert reply["reply_to_id"] == sent["id"]
    threads = {(t["kind"], t["ref_id"]): t for t in (await client.get(f"{API}/threads")).json()["items"]}
    group = threads[("group", 3)]
    assert group["title"] == "Дежурные инженеры" and group["color"] == "#c62828" and group["unread"] == 1
    page = (await client.get(f"{API}/threads/{group['id']}/messages")).json()
    assert [m["id"] for m in page["items"]] == [sent["id"], reply["id"]]


# --- simulator --------------------------------------------------------------------------------


async def test_simulator_lists_the_twenty_phones(client: httpx.AsyncClient) -> None:
    phones = (await client.get(f"{API}/simulator/phones")).json()["items"]
    assert len(phones) == 20
    assert {p["phone"] for p in phones} == {f"+791610000{i:02}" for i in range(1, 21)}
    assert {p["employee_id"] for p in phones} == set(range(1, 21))


async def test_simulator_phone_shows_received_sms_once_sent(client: httpx.AsyncClient) -> None:
    url = f"{API}/simulator/phones/{EMPLOYEE_1_PHONE}/messages"
    assert (await client.get(url)).json()["items"] == []
    sent = (
        await client.post(f"{API}/messages", json={"text": "Привет, телефон", "recipients": {"employees": [1]}})
    ).json()

    async def received() -> bool:
        items = (await client.get(url)).json()["items"]
        return any(i["kind"] == "received" and i["status"] in {"Sent", "Delivered"} for i in items)

    await wait_for(received, what="the SMS on the virtual phone")
    items = (await client.get(url)).json()["items"]
    assert [(i["kind"], i["text"]) for i in items] == [("received", "Привет, телефон")]
    await wait_for(lambda: all_delivered(client, sent["id"]), what="Delivered")
    await inbound(client, EMPLOYEE_1_PHONE, "Принято")
    items = (await client.get(url)).json()["items"]
    assert [(i["kind"], i["text"]) for i in items] == [("received", "Привет, телефон"), ("sent", "Принято")]
    other = (await client.get(f"{API}/simulator/phones/+79161000002/messages")).json()["items"]
    assert other == []
    bad = await client.get(f"{API}/simulator/phones/12345/messages")
    assert bad.status_code == 422 and "12345" in bad.json()["detail"]


async def test_simulated_inbound_bad_input(client: httpx.AsyncClient, server_db: Database) -> None:
    bad_sender = await client.post(f"{API}/simulator/inbound", json={"from": "A" * 21, "text": "hi"})
    assert bad_sender.status_code == 422 and "A" * 21 in bad_sender.json()["detail"]
    empty = await client.post(f"{API}/simulator/inbound", json={"from": EMPLOYEE_1_PHONE, "text": ""})
    assert empty.status_code == 400 and "text" in empty.json()["detail"]
    assert await stored_counts(server_db) == (0, 0, 0)
