"""The write session's hand-over: events, access notes and wake-ups only after commit; read() refuses them."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select

from communicator.db.models import Event, Thread
from communicator.db.session import Database, wake_gateways_after_commit
from communicator.domain import ThreadKind
from communicator.events import note_access_changed, record_event
from communicator.schemas import GroupCreate, MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.directory import groups
from communicator.services.messaging.send import send_message
from tests.helpers import any_message_event


async def _count_events(db: Database) -> int:
    """Rows in the event log."""
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(Event))).scalar_one()


async def test_a_read_session_refuses_every_change_that_must_be_handed_over(db: Database, admin: Actor) -> None:
    before = await _count_events(db)
    refusals = (
        lambda session: record_event(session, admin.account_id, any_message_event()),
        lambda session: _call(note_access_changed, session, admin.account_id),
        lambda session: _call(wake_gateways_after_commit, session),
    )
    for change in refusals:
        async with db.read() as session:
            with pytest.raises(RuntimeError, match=r"must run in db\.write\(\)"):
                await change(session)
    assert await _count_events(db) == before


async def _call(function, *args: object) -> None:
    """Await a plain function like a coroutine, so the refusals above are alike."""
    function(*args)


async def test_an_action_run_under_read_is_refused(db: Database, admin: Actor) -> None:
    """An action's body run in a read session fails loudly and stores nothing, its audit line and note included."""
    with pytest.raises(RuntimeError, match=r"must run in db\.write\(\)"):
        async with db.read() as session:
            await groups._create_group(session, admin, GroupCreate(name="Под чтением"))
    assert "Под чтением" not in {g.name for g in await groups.list_groups(db, admin)}
    for statement in (
        insert(Thread).values(account_id=admin.account_id, kind=ThreadKind.CONTACT, ref_id=0),
        delete(Event),
    ):
        with pytest.raises(RuntimeError, match=r"must run in db\.write\(\)"):
            async with db.read() as session:
                await session.execute(statement)
    created = await groups.create_group(db, admin, GroupCreate(name="Под записью"))
    assert created.name in {g.name for g in await groups.list_groups(db, admin)}


async def test_events_and_wake_ups_are_handed_over_once_after_commit(db: Database, admin: Actor) -> None:
    wakes: list[int] = []
    db.on_wake = lambda: wakes.append(1)
    db.published.clear()  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        async with db.write() as session:
            await record_event(session, admin.account_id, any_message_event())
            note_access_changed(session, admin.account_id)
            wake_gateways_after_commit(session)
            raise ValueError("roll back")
    assert db.published == [] and wakes == []  # type: ignore[attr-defined]
    await send_message(db, admin, MessageCreate(text="t", recipients=Recipients(employees=[1, 2])))
    assert wakes == [1]
    assert [b'"message.created"' in p.data for p in db.published] == [True]  # type: ignore[attr-defined]
