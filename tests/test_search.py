"""History search (docs/search.md): word forms, #tags, filters, paging, highlights, permissions, hostile input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text, update

from communicator.db.models import Delivery, Message
from communicator.db.session import Database
from communicator.domain import DeliveryStatus, Role
from communicator.schemas import PermissionsUpdate
from communicator.schemas.search import SearchFilters
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.identity.accounts import create_account, create_user
from communicator.services.identity.auth import open_session
from communicator.services.messaging.search import check_filters, search_messages
from communicator.services.messaging.send import send_message
from communicator.sms.words import query_words
from tests.conftest import API
from tests.helpers import receive_reply
from tests.test_permissions import FITTER_IDS, FITTERS, group_id, make_user, phones_of, send

OUTSIDER = 13  # a duty engineer, outside «Монтажники»
HISTORY = [
    "Pump failure reported at site B",
    "Плановые работы в котельной",
    "Авария на подстанции #1234, выезжайте",
    "#1234 аварии устранены, failed valve replaced",
    "Авариями не занимаюсь",
]


async def texts(db: Database, actor: Actor, **filters: object) -> list[str]:
    """The texts of every hit, newest first, following the cursor page by page (pages of 2)."""
    found: list[str] = []
    cursor = None
    for _ in range(50):
        page = await search_messages(db, actor, SearchFilters(**filters), cursor, limit=2)  # type: ignore[arg-type]
        found += [hit.text for hit in page.items]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
    raise AssertionError("the cursor never ended")


async def history(db: Database, admin: Actor) -> dict[str, int]:
    """A small history: outbound to a group and to people, replies from inside and outside the fitters."""
    fitters = await group_id(db, FITTERS)
    sent = {
        "person": await send_message(db, admin, send("Pump failure reported at site B", employees=[1])),
        "outsider": await send_message(db, admin, send("Плановые работы в котельной", employees=[OUTSIDER])),
        # Last to the fitter: their reply answers it, in the group thread too.
        "group": await send_message(db, admin, send("Авария на подстанции #1234, выезжайте", groups=[fitters])),
    }
    assert [read.text for read in sent.values()] == HISTORY[:3]
    (fitter_phone,) = await phones_of(db, {1})
    (outsider_phone,) = await phones_of(db, {OUTSIDER})
    await receive_reply(db, fitter_phone, HISTORY[3])
    await receive_reply(db, outsider_phone, HISTORY[4])
    return {name: read.id for name, read in sent.items()}


async def test_word_forms_tags_and_filters(db: Database, admin: Actor) -> None:
    ids = await history(db, admin)
    assert await texts(db, admin, q="аварии") == [
        "Авариями не занимаюсь",
        "#1234 аварии устранены, failed valve replaced",
        "Авария на подстанции #1234, выезжайте",
    ]
    assert await texts(db, admin, q="FAILED") == [
        "#1234 аварии устранены, failed valve replaced",
        "Pump failure reported at site B",
    ]
    assert await texts(db, admin, q="failure pump") == ["Pump failure reported at site B"]
    tagged = ["#1234 аварии устранены, failed valve replaced", "Авария на подстанции #1234, выезжайте"]
    assert await texts(db, admin, tag="#1234") == tagged
    assert await texts(db, admin, q="#1234") == tagged
    assert await texts(db, admin, q="авария", direction="out") == ["Авария на подстанции #1234, выезжайте"]
    assert await texts(db, admin, q="авария", employee_id=OUTSIDER) == ["Авариями не занимаюсь"]
    # The tagged reply sits in #1234's thread and the fitter's own, not under the broadcast (SPEC §2, rule 1).
    assert await texts(db, admin, q="авария", group_id=await group_id(db, FITTERS)) == [
        "Авария на подстанции #1234, выезжайте",
    ]
    assert len(await texts(db, admin, group_id=await group_id(db, FITTERS))) == 1
    assert await texts(db, admin, employee_id=1) == [HISTORY[3], HISTORY[2], HISTORY[0]]
    assert await texts(db, admin, employee_id=1, group_id=await group_id(db, FITTERS)) == [HISTORY[2]]
    assert await texts(db, admin, q="авария", employee_id=1, group_id=await group_id(db, FITTERS)) == [HISTORY[2]]
    assert await texts(db, admin, q="котельная") == ["Плановые работы в котельной"]
    assert await texts(db, admin, q="нет такого слова") == []

    async with db.write() as session:
        await session.execute(
            update(Delivery).where(Delivery.message_id == ids["person"]).values(status=DeliveryStatus.DELIVERED)
        )
    assert await texts(db, admin, status="Delivered") == ["Pump failure reported at site B"]


async def test_date_range_and_cursor_stable_under_new_messages(db: Database, admin: Actor) -> None:
    for n in range(5):
        await send_message(db, admin, send(f"Замер номер {n}", employees=[1]))
    async with db.write() as session:
        old = (await session.scalars(select(Message.id).order_by(Message.id).limit(2))).all()
        week_ago = datetime.now(UTC) - timedelta(days=7)
        await session.execute(update(Message).where(Message.id.in_(old)).values(created_at=week_ago))
    since = datetime.now(UTC) - timedelta(days=1)
    assert await texts(db, admin, q="замер", since=since) == [f"Замер номер {n}" for n in (4, 3, 2)]
    assert await texts(db, admin, q="замеры", until=since) == ["Замер номер 1", "Замер номер 0"]

    first = await search_messages(db, admin, SearchFilters(q="замер"), None, limit=2)
    await send_message(db, admin, send("Замер номер 5", employees=[1]))  # a new one must not shift the pages
    second = await search_messages(db, admin, SearchFilters(q="замер"), first.next_cursor, limit=2)
    assert [h.text for h in first.items + second.items] == [f"Замер номер {n}" for n in (4, 3, 2, 1)]


async def test_highlight_marks_the_matched_words_and_rejoins_the_text(db: Database, admin: Actor) -> None:
    await history(db, admin)
    page = await search_messages(db, admin, SearchFilters(q="авария #1234", direction="out"))
    (hit,) = page.items
    assert [(p.text, p.hit) for p in hit.highlight] == [
        ("Авария", True),
        (" на подстанции ", False),
        ("#1234", True),
        (", выезжайте", False),
    ]
    assert "".join(p.text for p in hit.highlight) == hit.text
    assert hit.thread_id is not None


async def test_restricted_operator_finds_only_what_they_may_see(db: Database, admin: Actor) -> None:
    ids = await history(db, admin)
    operator = await make_user(db, admin, PermissionsUpdate(groups=[await group_id(db, FITTERS)]))
    found = await texts(db, operator, q="авария")
    assert found == ["#1234 аварии устранены, failed valve replaced", "Авария на подстанции #1234, выезжайте"]
    assert await texts(db, operator, q="котельная") == []
    assert await texts(db, operator, employee_id=OUTSIDER) == []
    assert await texts(db, operator, group_id=await group_id(db, FITTERS)) == [HISTORY[2]]  # the reply: #1234's
    assert await texts(db, operator, q="авария", employee_id=1) == [HISTORY[3], HISTORY[2]]
    everything = await search_messages(db, operator, SearchFilters())
    assert ids["outsider"] not in {hit.id for hit in everything.items}
    for hit in everything.items:  # each opens in a thread the operator sees
        assert hit.thread_id is not None
    assert all(e in FITTER_IDS for e in {d.employee_id for h in everything.items for d in h.deliveries or []})


async def test_another_company_is_never_found(db: Database, admin: Actor) -> None:
    await history(db, admin)
    async with db.write() as session:
        account = await create_account(session, "Другая компания", "5000")
        await create_user(session, account.id, "b-admin", "other-password-1", Role.ADMINISTRATOR)
    _, other = await open_session(db, "b-admin", "other-password-1")
    await send_message(db, other, send("Авария у соседей", numbers=["+79990001122"]))
    assert await texts(db, other, q="авария") == ["Авария у соседей"]
    assert await texts(db, other, employee_id=1) == []
    assert await texts(db, other, group_id=await group_id(db, FITTERS)) == []
    assert "Авария у соседей" not in await texts(db, admin, q="авария")
    assert "Авария у соседей" not in await texts(db, admin)


async def test_sqlite_and_postgres_find_what_the_words_promise(db: Database, admin: Actor) -> None:
    """The index (FTS5 or GIN) answers each query with exactly the messages whose stored words hold all its words."""
    await history(db, admin)
    async with db.read() as session:
        stored = dict((await session.execute(select(Message.id, Message.search_text))).all())
        if db.is_sqlite:
            plan = await session.execute(
                text("EXPLAIN QUERY PLAN SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'авар'")
            )
            assert "VIRTUAL TABLE INDEX" in " ".join(str(row) for row in plan)
    words = {word for message in HISTORY for word in message.replace(",", " ").split()}
    for q in sorted(words) + ["аварии failed", "#1234 устранены", "Ёлка", "1234"]:
        expected = [i for i, held in sorted(stored.items(), reverse=True) if set(query_words(q)) <= set(held.split())]
        page = await search_messages(db, admin, SearchFilters(q=q))
        assert [hit.id for hit in page.items] == expected, q


def test_bad_filters_are_422_naming_the_field() -> None:
    for raw, field in (
        ({"employee_id": "abc"}, "employee_id"),
        ({"employee_id": str(2**63)}, "employee_id"),
        ({"direction": "sideways"}, "direction"),
        ({"status": "Lost"}, "status"),
        ({"since": "yesterday"}, "since"),
        ({"q": "x" * 10_000}, "q"),
        ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
    ):
        with pytest.raises(InvalidInput) as refused:
            check_filters(raw)
        assert refused.value.extra == {"field": field}, raw


HOSTILE = [
    '"',
    "*",
    "NEAR(",
    "a OR b",
    "авария AND",
    "'; DROP TABLE messages; --",
    "^a:*",
    "a & !b",
    "\\",
    "#",
    "x" * 200,
]


async def test_http_search_and_its_refusals(client: httpx.AsyncClient) -> None:
    for q in HOSTILE:  # FTS5 and tsquery syntax are words or nothing, never an error
        answer = await client.get(f"{API}/search", params={"q": q})
        assert answer.status_code == 200, (q, answer.text)
    sent = await client.post(f"{API}/messages", json={"text": "Авария на линии", "recipients": {"employees": [1]}})
    answer = await client.get(f"{API}/search", params={"q": "аварии"})
    assert answer.status_code == 200
    (hit,) = answer.json()["items"]
    assert hit["id"] == sent.json()["id"] and hit["highlight"][0] == {"text": "Авария", "hit": True}
    thread = await client.get(f"{API}/threads/{hit['thread_id']}/messages")
    assert sent.json()["id"] in [m["id"] for m in thread.json()["items"]]
    for params, field in (
        ({"q": "x" * 10_000}, "q"),
        ({"group_id": "-1"}, "group_id"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": str(2**70)}, "cursor"),
        ({"until": "not a date"}, "until"),
    ):
        refused = await client.get(f"{API}/search", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.json()["extra"] == {"field": field}
