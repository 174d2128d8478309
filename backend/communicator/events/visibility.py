"""Which events a user may see: the WebSocket's per-user filter. See docs/events.md.

Every event type has its case in `get_visible_event` (a missing one fails the type check). A frame
carries exactly what REST shows the user: the same functions redact both (`get_visible_message`,
`get_visible_employee`, `get_visible_group`). Everyone-reaching users get account-wide frames untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import assert_never

import msgspec
from sqlalchemy import select

from communicator.db.models import Thread
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.events.types import (
    AccountUpdated,
    AnyEvent,
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
    DeliveryUpdated,
    EmployeeCreated,
    EmployeeUpdated,
    GroupCreated,
    GroupDeleted,
    GroupUpdated,
    MessageCreated,
    MessageFolded,
    TemplateCreated,
    TemplateDeleted,
    TemplateUpdated,
    ThreadMarkedRead,
    ThreadUpdated,
    UserCreated,
    UserUpdated,
)
from communicator.schemas import GroupRead
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import SENDING_ROLES, Reach, get_fixed_reach, get_reach
from communicator.services.directory.employees import get_visible_employee
from communicator.services.directory.groups import get_visible_group
from communicator.services.messaging.views import get_summaries, get_visible_message

# thread id -> (kind, ref_id), what Reach.sees_thread needs
ThreadRefs = Mapping[int, tuple[ThreadKind, int]]
# Types every everyone-reaching user sees as published; the others depend on who the user is.
_ACCOUNT_WIDE_TYPES = (
    MessageCreated,
    MessageFolded,
    DeliveryUpdated,
    EmployeeCreated,
    EmployeeUpdated,
    GroupCreated,
    GroupUpdated,
)
ACCOUNT_WIDE = frozenset(str(t.__struct_config__.tag).encode() for t in (*_ACCOUNT_WIDE_TYPES, GroupDeleted))
_decoder = msgspec.json.Decoder(AnyEvent)
_encoder = msgspec.json.Encoder()
_TYPE_PREFIX = b'{"type":"'


def get_visible_event(event: AnyEvent, actor: Actor, reach: Reach, threads: ThreadRefs) -> AnyEvent | None:
    """The part of an event the user may see, or None when nothing of it is visible."""
    match event:
        case MessageCreated():
            visible = [
                t for t in event.thread_ids if reach.everyone or (t in threads and reach.sees_thread(*threads[t]))
            ]
            message = get_visible_message(event.message, reach)
            return msgspec.structs.replace(event, message=message, thread_ids=visible) if visible else None
        case MessageFolded():
            # Like the message itself: only in the threads the user sees.
            shown = [t for t in event.thread_ids if reach.everyone or (t in threads and reach.sees_thread(*threads[t]))]
            return msgspec.structs.replace(event, thread_ids=shown) if shown else None
        case DeliveryUpdated():
            # A delivery of a visible employee puts the message in that employee's (visible) thread, so an
            # update with no visible delivery left is about a message this user does not see.
            deliveries = [d for d in event.deliveries if reach.sees_employee(d.employee_id)]
            return msgspec.structs.replace(event, deliveries=deliveries) if deliveries else None
        case EmployeeCreated() | EmployeeUpdated():
            # Every member of a visible group is visible, so a hidden employee changes no visible group.
            employee = get_visible_employee(event.employee, reach)
            if employee is None:
                return None
            return msgspec.structs.replace(event, employee=employee, groups=_visible_groups(event.groups, reach))
        case GroupCreated() | GroupUpdated():
            group = get_visible_group(event.group, reach)
            if group is None:
                return None
            return msgspec.structs.replace(event, group=group, groups=_visible_groups(event.groups, reach))
        case GroupDeleted():
            if not reach.sees_thread(ThreadKind.GROUP, event.group_id):
                return None
            return msgspec.structs.replace(event, groups=_visible_groups(event.groups, reach))
        case UserCreated() | UserUpdated():
            return event if actor.is_admin else None  # only Administrators list users
        case ThreadMarkedRead():
            return event if event.user_id == actor.user_id else None  # read marks are per user
        case ThreadUpdated():
            return event if reach.sees_thread(ThreadKind(event.kind), event.ref_id) else None
        case ContactCreated() | ContactUpdated() | ContactDeleted():
            return event if reach.everyone else None  # contacts are outside every restricted reach
        case AccountUpdated():
            return event  # every user of the account works under its settings
        case TemplateCreated() | TemplateUpdated() | TemplateDeleted():
            return event if actor.role in SENDING_ROLES else None  # templates are for those who send
        case _:
            assert_never(event)


def _visible_groups(groups: list[GroupRead], reach: Reach) -> list[GroupRead]:
    """The groups a reach sees, as it sees them."""
    return [visible for visible in (get_visible_group(g, reach) for g in groups) if visible is not None]


def get_frame_type(data: bytes) -> bytes | None:
    """The type of a published frame without decoding it (msgspec writes the tag first)."""
    if not data.startswith(_TYPE_PREFIX):
        return None
    end = data.find(b'"', len(_TYPE_PREFIX))
    return data[len(_TYPE_PREFIX) : end] if end > 0 else None


class EventView:
    """One socket's filter: the user, their reach, and the threads it has looked up so far."""

    def __init__(self, db: Database, actor: Actor, reach: Reach) -> None:
        self.db = db
        self.actor = actor
        self.reach = reach
        self.threads: dict[int, tuple[ThreadKind, int]] = {}

    async def get_frame(self, data: bytes) -> bytes | None:
        """The frame as this user may see it, or None to send nothing."""
        if self.reach.everyone and get_frame_type(data) in ACCOUNT_WIDE:
            return data  # no decoding at all
        try:
            event = _decoder.decode(data)
        except msgspec.ValidationError:
            return None  # a type this filter does not know is never sent
        if isinstance(event, MessageCreated | MessageFolded):
            await self._load_threads(event.thread_ids)
        elif isinstance(event, ThreadUpdated):  # a contact's thread became an employee's
            self.threads[event.thread_id] = (ThreadKind(event.kind), event.ref_id)
        visible = get_visible_event(event, self.actor, self.reach, self.threads)
        if visible is None:
            return None
        if self.reach.everyone:
            return _encoder.encode(visible)
        return _encoder.encode(await self._with_own_summary(visible))

    async def _with_own_summary(self, event: AnyEvent) -> AnyEvent:
        """The event with its summary counted over this user's recipients (as of now: statuses only advance)."""
        if isinstance(event, MessageCreated) and event.message.direction == "out":
            message_id = event.message.id
        elif isinstance(event, DeliveryUpdated):
            message_id = event.message_id
        else:
            return event  # an inbound message has no deliveries to count; other events no summary
        async with self.db.read() as session:
            summary = (await get_summaries(session, [message_id], self.reach))[message_id]
        if isinstance(event, MessageCreated):
            return msgspec.structs.replace(event, message=msgspec.structs.replace(event.message, summary=summary))
        return msgspec.structs.replace(event, summary=summary)

    async def _load_threads(self, thread_ids: Iterable[int]) -> None:
        """Look up the kind and subject of threads not seen before (thread.updated keeps them current)."""
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
    reach = get_fixed_reach(actor)  # most users need no database read at all
    if reach is None:
        async with db.read() as session:
            reach = await get_reach(session, actor)
    return EventView(db, actor, reach)
