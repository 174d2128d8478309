"""The thread list by pages: a cursor through ties (one broadcast in 301 threads), bad cursors, one thread alone."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import insert

from communicator.db.models import Employee, GroupMember
from communicator.db.session import Database
from communicator.schemas import GroupCreate, MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput, NotFound
from communicator.services.directory.groups import create_group
from communicator.services.messaging.send import send_message
from communicator.services.messaging.threads import get_thread_view, list_thread_page
from tests.helpers import receive_reply

MEMBERS = 300


async def _broadcast(db: Database, admin: Actor) -> int:
    """A group of 300 bulk-inserted employees and one send to it; returns the group id."""
    group_id = (await create_group(db, admin, GroupCreate(name="Триста"))).id
    async with db.write() as session:
        rows = [
            {"account_id": admin.account_id, "name": f"Ж {i:03}", "phone": f"+7926{7_000_000 + i:07}", "active": True}
            for i in range(MEMBERS)
        ]
        ids = (await session.scalars(insert(Employee).returning(Employee.id), rows)).all()
        await session.execute(insert(GroupMember), [{"group_id": group_id, "employee_id": e} for e in ids])
    await send_message(db, admin, MessageCreate(text="Сбор", recipients=Recipients(groups=[group_id]), confirmed=True))
    return group_id


async def test_pages_walk_every_thread_once_in_order(db: Database, admin: Actor) -> None:
    group_id = await _broadcast(db, admin)
    await receive_reply(db, "+79161000002", "Принял")  # a newer message: its threads come first
    pages, cursor = [], None
    while True:
        _, items, _, cursor = await list_thread_page(db, admin, cursor, limit=50)
        pages.append(items)
        if cursor is None:
            break
    listed = [t for page in pages for t in page]
    assert len(pages) >= 7 and all(len(p) == 50 for p in pages[:-1])
    assert len({t.id for t in listed}) == len(listed) >= MEMBERS + 1
    assert listed[0].last_message is not None and listed[0].last_message.text == "Принял"
    # the broadcast's threads: its group first, then the members' threads by id
    tie = [t for t in listed if t.last_message and t.last_message.text == "Сбор"]
    assert tie[0].kind == "group" and tie[0].ref_id == group_id
    assert [t.id for t in tie[1:]] == sorted(t.id for t in tie[1:]) and len(tie) == MEMBERS + 1
    last_ids = [t.last_message.id if t.last_message else 0 for t in listed]
    assert last_ids == sorted(last_ids, reverse=True)


@pytest.mark.parametrize("cursor", ["x", "1.2", "1.2.3.4", "-1.0.5", "9" * 30 + ".0.1", "1.a.3"])
async def test_a_cursor_not_handed_out_is_refused(db: Database, admin: Actor, cursor: str) -> None:
    with pytest.raises(InvalidInput):
        await list_thread_page(db, admin, cursor)


async def test_a_huge_cursor_value_is_an_empty_page_not_an_error(db: Database, admin: Actor) -> None:
    await receive_reply(db, "+79161000002", "Принял")
    _, items, _, following = await list_thread_page(db, admin, f"{2**63 - 1}.0.1")
    assert following is None and len(items) > 0  # every thread's last message is older than that
    _, items, _, following = await list_thread_page(db, admin, "1.9.1")  # after everything: nothing
    assert items == [] and following is None


async def test_one_thread_alone_and_not_another_accounts(db: Database, admin: Actor) -> None:
    await receive_reply(db, "+79161000002", "Принял")
    _, items, _, _ = await list_thread_page(db, admin, limit=1)
    assert (await get_thread_view(db, admin, items[0].id)).id == items[0].id
    with pytest.raises(NotFound):
        await get_thread_view(db, admin, 2**31 - 1)


async def test_the_api_pages_and_bounds_the_limit(client: httpx.AsyncClient) -> None:
    for phone in ("+79161000002", "+79161000003", "+79161000004"):
        sent = await client.post("/api/v1/simulator/inbound", json={"from": phone, "text": "Принял"})
        assert sent.status_code == 201, sent.text
    first = (await client.get("/api/v1/threads", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await client.get("/api/v1/threads", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert not {t["id"] for t in first["items"]} & {t["id"] for t in second["items"]}
    for bad in ({"limit": 0}, {"limit": 501}, {"cursor": "nope"}):
        assert (await client.get("/api/v1/threads", params=bad)).status_code in (400, 422)
    one = await client.get(f"/api/v1/threads/{first['items'][0]['id']}")
    assert one.status_code == 200 and one.json()["title"] == first["items"][0]["title"]
    assert (await client.get("/api/v1/threads/2147483648")).status_code == 400
