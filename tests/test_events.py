"""The event log: recorded with the change, published only after commit, bounded by pruning."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from communicator.db.models import Event
from communicator.db.session import Database
from communicator.events import (
    get_last_event_id,
    prune_events,
    record_event,
)
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.messaging.send import send_message
from tests.helpers import any_message_event


async def _send(db: Database, admin: Actor) -> None:
    await send_message(db, admin, MessageCreate(text="t", recipients=Recipients(employees=[1])))


async def test_prune_events_keeps_the_newest(db: Database, admin: Actor) -> None:
    for _ in range(5):
        await _send(db, admin)
    async with db.read() as session:
        newest = await get_last_event_id(session)
        stored = len((await session.execute(select(Event.id))).all())  # the demo directory's events too
    assert await prune_events(db, 2) == stored - 2
    async with db.read() as session:
        assert (await session.execute(select(Event.id).order_by(Event.id))).scalars().all() == [newest - 1, newest]


async def test_events_are_published_only_after_commit(db: Database, admin: Actor) -> None:
    db.published.clear()  # type: ignore[attr-defined]  # the demo seed's own frames
    async with db.read() as session:
        before = await get_last_event_id(session)
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            await record_event(session, admin.account_id, any_message_event())
            raise RuntimeError("roll back")
    assert db.published == []  # type: ignore[attr-defined]
    async with db.read() as session:
        assert await get_last_event_id(session) == before
    await _send(db, admin)
    assert len(db.published) == 1  # type: ignore[attr-defined]
    assert db.published[0].id > 0  # type: ignore[attr-defined]
