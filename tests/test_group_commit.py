"""Group commit (db/group_commit.py): concurrent writers share one COMMIT, each in its own savepoint."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from communicator.db.models import Event as EventRow
from communicator.db.session import Database, get_after_commit, wake_gateways_after_commit
from communicator.events import DeliveryUpdated, record_event
from communicator.schemas import Summary
from communicator.services.core.actors import Actor
from tests.helpers import wait_for

# The events these tests record (the fixtures record others).
OURS = EventRow.type == "delivery.updated"


class Refused(Exception):
    """One action's own refusal."""


@pytest.fixture
async def tables(db: Database, admin: Actor) -> int:
    """Two scratch tables; a child's parent is checked only at COMMIT (a deferred foreign key)."""
    async with db.write() as session:
        await session.execute(text("CREATE TABLE gc_parent (id INTEGER PRIMARY KEY)"))
        await session.execute(
            text(
                "CREATE TABLE gc_child (id INTEGER PRIMARY KEY, "
                "parent_id INTEGER REFERENCES gc_parent(id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    db.group_commit.max_seconds = 60  # the tests decide who is in a batch, not the clock
    db.commits = []  # type: ignore[attr-defined]
    db.published.clear()  # type: ignore[attr-defined]
    db.on_commit = lambda events: (db.commits.append(list(events)), db.published.extend(events))  # type: ignore[attr-defined]
    return admin.account_id


async def _action(
    db: Database,
    account_id: int,
    n: int,
    gate: asyncio.Event,
    *,
    fail: bool = False,
    orphan: bool = False,
    wake: bool = False,
    entered: asyncio.Event | None = None,
) -> int:
    """Insert row n and record an event for it, wait at the gate, then refuse or finish."""
    async with db.write() as session:
        if entered:
            entered.set()
        await session.execute(text("INSERT INTO gc_parent (id) VALUES (:n)"), {"n": n})
        if orphan:
            await session.execute(text("INSERT INTO gc_child (id, parent_id) VALUES (:n, 9999)"), {"n": n})
        event = DeliveryUpdated(message_id=n, deliveries=[], summary=Summary(total=0, counts={}))
        await record_event(session, account_id, event)
        if wake:
            wake_gateways_after_commit(session)
        await gate.wait()
        if fail:
            raise Refused(n)
    return n


async def _stored(db: Database) -> tuple[list[int], list[int]]:
    """The committed parent rows and the message ids of the committed events."""
    async with db.read() as session:
        parents = list(await session.scalars(text("SELECT id FROM gc_parent ORDER BY id")))
        payloads = await session.scalars(select(EventRow.payload).where(OURS).order_by(EventRow.id))
        return parents, [msgspec.json.decode(p)["message_id"] for p in payloads]


def _published(db: Database) -> list[int]:
    """Message ids of the published events, in order."""
    return [msgspec.json.decode(p.data)["message_id"] for p in db.published]  # type: ignore[attr-defined]


async def _start_batch(
    db: Database, account_id: int, gate: asyncio.Event, specs: list[dict], first: int = 1
) -> list[asyncio.Task]:
    """The first action holds the turn at the gate until all the others are queued behind it."""
    tasks = [asyncio.create_task(_action(db, account_id, n, gate, **spec)) for n, spec in enumerate(specs, first)]

    async def all_queued() -> bool:
        return db.group_commit.queued == len(specs) - 1

    await wait_for(all_queued, what="every action queued behind the first")
    return tasks


async def test_a_refusal_rolls_back_only_its_own_part(db: Database, tables: int) -> None:
    gate = asyncio.Event()
    tasks = await _start_batch(db, tables, gate, [{}, {}, {"fail": True}, {}, {}])
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[:2] + results[3:] == [1, 2, 4, 5]
    assert isinstance(results[2], Refused)
    assert await _stored(db) == ([1, 2, 4, 5], [1, 2, 4, 5])
    # One shared commit published the four members' events, in order, with their stored ids.
    assert len(db.commits) == 1  # type: ignore[attr-defined]
    assert _published(db) == [1, 2, 4, 5]
    async with db.read() as session:
        assert [p.id for p in db.published] == list(
            await session.scalars(select(EventRow.id).where(OURS).order_by(EventRow.id))
        )  # type: ignore[attr-defined]


async def test_events_are_published_only_after_the_shared_commit(db: Database, tables: int) -> None:
    first_gate, second_gate, second_entered = asyncio.Event(), asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_action(db, tables, 1, first_gate))
    second = asyncio.create_task(_action(db, tables, 2, second_gate, entered=second_entered))

    async def second_queued() -> bool:
        return db.group_commit.queued == 1

    await wait_for(second_queued, what="the second action queued behind the first")
    first_gate.set()
    # Turns are exclusive: once the second action is in its body, the first one's body is over.
    await asyncio.wait_for(second_entered.wait(), 10)
    assert not first.done(), "a member returns only after the shared commit"
    assert db.published == [] and await _stored(db) == ([], [])  # type: ignore[attr-defined]
    second_gate.set()
    assert await asyncio.gather(first, second) == [1, 2]
    assert _published(db) == [1, 2] and len(db.commits) == 1  # type: ignore[attr-defined]
    assert await _stored(db) == ([1, 2], [1, 2])


async def test_a_failed_commit_fails_every_member(db: Database, tables: int) -> None:
    gate = asyncio.Event()
    tasks = await _start_batch(db, tables, gate, [{}, {"orphan": True}, {}])
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, IntegrityError) for r in results), results
    assert await _stored(db) == ([], [])
    assert db.published == []  # type: ignore[attr-defined]
    # The next writer gets a fresh transaction.
    assert await _action(db, tables, 7, gate) == 7
    assert await _stored(db) == ([7], [7]) and _published(db) == [7]


async def test_a_write_inside_a_write_is_refused_not_deadlocked(db: Database, tables: int) -> None:
    with pytest.raises(RuntimeError, match="inside db.write"):
        async with db.write(), db.write():
            pass


async def test_each_member_hands_over_its_own_after_commit(db: Database, tables: int) -> None:
    wakes: list[int] = []
    db.on_wake = lambda: wakes.append(len(db.commits))  # type: ignore[attr-defined]
    gate = asyncio.Event()
    # Only the refused member asks for a wake-up: its AfterCommit goes with its savepoint.
    tasks = await _start_batch(db, tables, gate, [{}, {"fail": True, "wake": True}, {}])
    gate.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert _published(db) == [1, 3] and wakes == []
    gate = asyncio.Event()
    tasks = await _start_batch(db, tables, gate, [{"wake": True}, {}, {"wake": True}], first=4)
    gate.set()
    await asyncio.gather(*tasks)
    # Two asked, one batch: the gateways are woken once, after the events were handed over.
    assert _published(db) == [1, 3, 4, 5, 6] and wakes == [2]


async def test_a_members_after_commit_is_gone_once_its_turn_ends(db: Database, tables: int) -> None:
    async with db.write() as session:
        assert get_after_commit(session).events == []
    with pytest.raises(RuntimeError, match="db.write"):
        get_after_commit(session)
