"""Event types (`noun.verb`), a msgspec tagged union. See docs/events.md."""

from __future__ import annotations

from typing import get_args

import msgspec

from communicator.schemas import (
    AccountSettings,
    ContactRead,
    DeliveryRead,
    EmployeeRead,
    ExportRead,
    GroupRead,
    MessageRead,
    Summary,
    TemplateRead,
    ThreadReadCount,
    WebUserRead,
)


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
    """A user read inbound messages: each id is reported once ever, so clients subtract `threads` exactly."""

    id: int = 0
    user_id: int
    message_ids: list[int]
    threads: list[ThreadReadCount]  # per thread of the user's: how many of its unread these were


class ThreadUpdated(msgspec.Struct, tag="thread.updated", tag_field="type", kw_only=True):
    """A thread changed whose it is (a contact became an employee) or its title (a contact was named)."""

    id: int = 0
    thread_id: int
    kind: str
    ref_id: int
    title: str
    phone: str | None


class ContactCreated(msgspec.Struct, tag="contact.created", tag_field="type", kw_only=True):
    """An external contact was added to the directory (or an unknown number named)."""

    id: int = 0
    contact: ContactRead


class ContactUpdated(msgspec.Struct, tag="contact.updated", tag_field="type", kw_only=True):
    """A contact's name or note changed."""

    id: int = 0
    contact: ContactRead


class ContactDeleted(msgspec.Struct, tag="contact.deleted", tag_field="type", kw_only=True):
    """A contact left the contacts (it became an employee)."""

    id: int = 0
    contact_id: int


class AccountUpdated(msgspec.Struct, tag="account.updated", tag_field="type", kw_only=True):
    """The account's inbox settings changed."""

    id: int = 0
    settings: AccountSettings


class MessageFolded(msgspec.Struct, tag="message.folded", tag_field="type", kw_only=True):
    """An identical alert mail was folded into a message instead of being sent again (docs/mail.md)."""

    id: int = 0
    message_id: int
    folded: int
    thread_ids: list[int]


class TemplateCreated(msgspec.Struct, tag="template.created", tag_field="type", kw_only=True):
    """A message template was added."""

    id: int = 0
    template: TemplateRead


class TemplateUpdated(msgspec.Struct, tag="template.updated", tag_field="type", kw_only=True):
    """A message template's name or text changed."""

    id: int = 0
    template: TemplateRead


class TemplateDeleted(msgspec.Struct, tag="template.deleted", tag_field="type", kw_only=True):
    """A message template was deleted."""

    id: int = 0
    template_id: int


class ExportUpdated(msgspec.Struct, tag="export.updated", tag_field="type", kw_only=True):
    """An export job started, progressed, finished or failed; only the user who started it sees it."""

    id: int = 0
    user_id: int
    export: ExportRead


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
    | ThreadUpdated
    | ContactCreated
    | ContactUpdated
    | ContactDeleted
    | AccountUpdated
    | MessageFolded
    | TemplateCreated
    | TemplateUpdated
    | TemplateDeleted
    | ExportUpdated
)
# Every struct that goes over the wire: the stored events and the resync order.
EVENT_STRUCTS: tuple[type[msgspec.Struct], ...] = (*get_args(AnyEvent), Resync)
