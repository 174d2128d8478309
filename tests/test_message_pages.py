"""GET /messages/{id} pages its deliveries: a bounded page, a cursor, and a summary that counts them all."""

from __future__ import annotations

import httpx

from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.messaging.send import get_message, send_message
from communicator.services.messaging.views import DeliveryQuery
from tests.conftest import API
from tests.test_permissions import FITTER_IDS, fitters_operator

EVERY_EMPLOYEE = list(range(1, 21))


async def _pages(db: Database, actor: Actor, message_id: int, limit: int) -> list[list[int]]:
    """Delivery ids page by page, following the cursor; every page's summary is the whole one."""
    pages, after_id = [], 0
    while True:
        read = await get_message(db, actor, message_id, DeliveryQuery(after_id=after_id, limit=limit))
        pages.append([d.id for d in read.deliveries or []])
        assert read.summary.total == (20 if actor.reaches_everyone else len(FITTER_IDS))
        if read.deliveries_next is None:
            return pages
        assert read.deliveries_next == pages[-1][-1]
        after_id = read.deliveries_next


async def test_deliveries_come_in_pages_that_cover_them_all_once(db: Database, admin: Actor) -> None:
    sent = await send_message(db, admin, MessageCreate(text="Всем", recipients=Recipients(employees=EVERY_EMPLOYEE)))
    assert sent.summary.total == 20 and len(sent.deliveries or []) == 20 and sent.deliveries_next is None
    pages = await _pages(db, admin, sent.id, 7)
    assert [len(page) for page in pages] == [7, 7, 6]
    every = [d.id for d in sent.deliveries or []]
    assert [i for page in pages for i in page] == every == sorted(every)
    # A page that ends exactly at the last delivery says there is no more.
    assert [len(page) for page in await _pages(db, admin, sent.id, 10)] == [10, 10]


async def test_a_restricted_caller_pages_only_their_recipients(db: Database, admin: Actor) -> None:
    sent = await send_message(db, admin, MessageCreate(text="Всем", recipients=Recipients(employees=EVERY_EMPLOYEE)))
    operator = await fitters_operator(db, admin)
    pages = await _pages(db, operator, sent.id, 3)
    assert [len(page) for page in pages] == [3, 3, 2]
    by_id = {d.id: d.employee_id for d in sent.deliveries or []}
    assert {by_id[i] for page in pages for i in page} == FITTER_IDS


async def test_the_page_is_bounded_over_http(client: httpx.AsyncClient) -> None:
    sent = await client.post(f"{API}/messages", json={"text": "Всем", "recipients": {"employees": EVERY_EMPLOYEE}})
    message_id = sent.json()["id"]
    first = (await client.get(f"{API}/messages/{message_id}", params={"limit": 15})).json()
    assert len(first["deliveries"]) == 15 and first["summary"]["total"] == 20
    rest = (await client.get(f"{API}/messages/{message_id}", params={"after_id": first["deliveries_next"]})).json()
    assert len(rest["deliveries"]) == 5 and rest["deliveries_next"] is None
    for bad in ({"limit": 0}, {"limit": 100_000}, {"after_id": -1}, {"after_id": 2**63}):
        assert (await client.get(f"{API}/messages/{message_id}", params=bad)).status_code == 400, bad
