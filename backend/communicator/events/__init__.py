"""Typed events (`noun.verb`): recorded in the writer's transaction, published after commit.

types.py holds the union, log.py the stored log, visibility.py what each user may see. See docs/events.md.
"""

from communicator.events.log import (
    ACCESS_CHANGED_FRAME,
    RESYNC_FRAME,
    Published,
    channel_for,
    encode_stored,
    get_last_event_id,
    list_events_after,
    note_access_changed,
    prune_events,
    record_event,
)
from communicator.events.types import (
    EVENT_STRUCTS,
    AnyEvent,
    DeliveryUpdated,
    EmployeeCreated,
    EmployeeUpdated,
    GroupCreated,
    GroupDeleted,
    GroupUpdated,
    MessageCreated,
    MessageFolded,
    Resync,
    ThreadMarkedRead,
    UserCreated,
    UserUpdated,
)

__all__ = [
    "ACCESS_CHANGED_FRAME",
    "EVENT_STRUCTS",
    "RESYNC_FRAME",
    "AnyEvent",
    "DeliveryUpdated",
    "EmployeeCreated",
    "EmployeeUpdated",
    "GroupCreated",
    "GroupDeleted",
    "GroupUpdated",
    "MessageCreated",
    "MessageFolded",
    "Published",
    "Resync",
    "ThreadMarkedRead",
    "UserCreated",
    "UserUpdated",
    "channel_for",
    "encode_stored",
    "get_last_event_id",
    "list_events_after",
    "note_access_changed",
    "prune_events",
    "record_event",
]
