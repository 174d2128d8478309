"""Which events a user may see: the WebSocket's per-user filter. See docs/events.md.

Everyone-reaching users get every frame of their account untouched. For a restricted user (an Operator
limited to some recipients, a BaseUser) a `message.created` passes only with the threads they see, and a
`delivery.updated` only with the deliveries of employees they see, and either one's summary counts only
their recipients; an event type this filter does not know is not sent to them at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec
from sqlalchemy import select

from communicator.db.models import Thread
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.events import AnyEvent, MessageCreated
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import Reach, get_reach
from communicator.services.messaging.views import get_summaries

# thread id -> (kind, ref_id), what Reach.sees_thread needs
ThreadRefs = Mapping[int, tuple[ThreadKind, int]]
_decoder = msgspec.json.Decoder(AnyEvent)
_encoder = msgspec.json.Encoder()


def get_visible_event(event: AnyEvent, reach: Reach, threads: ThreadRefs) -> AnyEvent | None:
    """The part of an event the reach allows, or None when nothing of it is visible."""
    if reach.everyone:
        return event
    if isinstance(event, MessageCreated):
        visible = [t for t in event.thread_ids if t in threads and reach.sees_thread(*threads[t])]
        return msgspec.structs.replace(event, thread_ids=visible) if visible else None
    # A delivery of a visible employee puts the message in that employee's (visible) thread, so an
    # update with no visible delivery left is about a message this user does not see.
    deliveries = [d for d in event.deliveries if reach.sees_employee(d.employee_id)]
    return msgspec.structs.replace(event, deliveries=deliveries) if deliveries else None


class EventView:
    """One socket's filter: the user, their reach, and the threads it has looked up so far."""

    def __init__(self, db: Database, actor: Actor, reach: Reach) -> None:
        self.db = db
        self.actor = actor
        self.reach = reach
        self.threads: dict[int, tuple[ThreadKind, int]] = {}

    async def get_frame(self, data: bytes) -> bytes | None:
        """The frame as this user may see it, or None to send nothing."""
        if self.reach.everyone:
            return data
        try:
            event = _decoder.decode(data)
        except msgspec.ValidationError:
            return None
        if isinstance(event, MessageCreated):
            await self._load_threads(event.thread_ids)
        visible = get_visible_event(event, self.reach, self.threads)
        return None if visible is None else _encoder.encode(await self._with_own_summary(visible))

    async def _with_own_summary(self, event: AnyEvent) -> AnyEvent:
        """The event with its summary counted over this user's recipients (as of now: statuses only advance)."""
        if isinstance(event, MessageCreated) and event.message.direction == "in":
            return event  # an inbound message has no deliveries to count
        message_id = event.message.id if isinstance(event, MessageCreated) else event.message_id
        async with self.db.read() as session:
            summary = (await get_summaries(session, [message_id], self.reach))[message_id]
        if isinstance(event, MessageCreated):
            return msgspec.structs.replace(event, message=msgspec.structs.replace(event.message, summary=summary))
        return msgspec.structs.replace(event, summary=summary)

    async def _load_threads(self, thread_ids: Iterable[int]) -> None:
        """Look up the kind and subject of threads not seen before (a thread's never change)."""
        missing = [t for t in thread_ids if t not in self.threads]
        if not missing:
            return
        query = select(Thread.id, Thread.kind, Thread.ref_id).where(
            Thread.id.in_(missing), Thread.account_id == self.actor.account_id
        )
        async with self.db.read() as session:
            for thread_id, kind, ref_id in (await session.execute(query)).all():
                self.threads[thread_id] = (kind, ref_id)


async def load_event_view(db: Database, actor: Actor) -> EventView:
    """A fresh view for the user: reach resolved now, no threads cached."""
    async with db.read() as session:
        reach = await get_reach(session, actor)
    return EventView(db, actor, reach)
