"""The event log: recorded with the change, published only after commit, bounded by pruning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from communicator.db.models import Event
from communicator.db.session import Database
from communicator.events import (
    MessageCreated,
    get_last_event_id,
    prune_events,
    record_event,
)
from communicator.schemas import MessageCreate, MessageRead, Recipients, Summary
from communicator.services.core.actors import Actor
from communicator.services.messaging.send import send_message


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
            message = MessageRead(
                id=1,
                direction="in",
                text="x",
                parts=1,
                encoding="GSM-7",
                created_at=datetime.now(UTC),
                author_name=None,
                sender_phone=None,
                employee_id=None,
                employee_name=None,
                reply_to_id=None,
                summary=Summary(total=0, counts={}),
            )
            await record_event(session, admin.account_id, MessageCreated(message=message, thread_ids=[]))
            raise RuntimeError("roll back")
    assert db.published == []  # type: ignore[attr-defined]
    async with db.read() as session:
        assert await get_last_event_id(session) == before
    await _send(db, admin)
    assert len(db.published) == 1  # type: ignore[attr-defined]
    assert db.published[0].id > 0  # type: ignore[attr-defined]
