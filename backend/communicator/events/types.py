"""Event types (`noun.verb`), a msgspec tagged union. See docs/events.md."""

from __future__ import annotations

from typing import get_args

import msgspec

from communicator.schemas import DeliveryRead, EmployeeRead, GroupRead, MessageRead, Summary, WebUserRead


class MessageCreated(msgspec.Struct, tag="message.created", tag_field="type", kw_only=True):
    """A message was sent or received; thread_ids are the threads it shows in."""

    id: int = 0
    message: MessageRead
    thread_ids: list[int]


class DeliveryUpdated(msgspec.Struct, tag="delivery.updated", tag_field="type", kw_only=True):
    """Some deliveries of one message changed status."""

    id: int = 0
    message_id: int
    deliveries: list[DeliveryRead]
    summary: Summary


class EmployeeCreated(msgspec.Struct, tag="employee.created", tag_field="type", kw_only=True):
    """An employee was added; groups are those whose members or counts changed with it."""

    id: int = 0
    employee: EmployeeRead
    groups: list[GroupRead]


class EmployeeUpdated(msgspec.Struct, tag="employee.updated", tag_field="type", kw_only=True):
    """An employee changed (deactivation included); groups are those whose members or counts changed."""

    id: int = 0
    employee: EmployeeRead
    groups: list[GroupRead]


class GroupCreated(msgspec.Struct, tag="group.created", tag_field="type", kw_only=True):
    """A group was added; groups are the others whose counts changed (its ancestors)."""

    id: int = 0
    group: GroupRead
    groups: list[GroupRead]


class GroupUpdated(msgspec.Struct, tag="group.updated", tag_field="type", kw_only=True):
    """A group changed; groups are the others whose counts changed (old and new ancestors)."""

    id: int = 0
    group: GroupRead
    groups: list[GroupRead]


class GroupDeleted(msgspec.Struct, tag="group.deleted", tag_field="type", kw_only=True):
    """A group was deleted; groups are its former subgroups (moved up) and its ancestors."""

    id: int = 0
    group_id: int
    groups: list[GroupRead]


class UserCreated(msgspec.Struct, tag="user.created", tag_field="type", kw_only=True):
    """A web login was added."""

    id: int = 0
    user: WebUserRead


class UserUpdated(msgspec.Struct, tag="user.updated", tag_field="type", kw_only=True):
    """A web login changed: role, name, password, active flag or permissions."""

    id: int = 0
    user: WebUserRead


class ThreadMarkedRead(msgspec.Struct, tag="thread.read", tag_field="type", kw_only=True):
    """A user moved their read mark in a thread; unread is what is left unread for them."""

    id: int = 0
    user_id: int
    thread_id: int
    last_read_message_id: int
    unread: int


class MessageFolded(msgspec.Struct, tag="message.folded", tag_field="type", kw_only=True):
    """An identical alert mail was folded into a message instead of being sent again (docs/mail.md)."""

    id: int = 0
    message_id: int
    folded: int
    thread_ids: list[int]


class Resync(msgspec.Struct, tag="resync", tag_field="type"):
    """The client is too far behind; it must refetch its state."""


AnyEvent = (
    MessageCreated
    | DeliveryUpdated
    | EmployeeCreated
    | EmployeeUpdated
    | GroupCreated
    | GroupUpdated
    | GroupDeleted
    | UserCreated
    | UserUpdated
    | ThreadMarkedRead
    | MessageFolded
)
# Every struct that goes over the wire: the stored events and the resync order.
EVENT_STRUCTS: tuple[type[msgspec.Struct], ...] = (*get_args(AnyEvent), Resync)
