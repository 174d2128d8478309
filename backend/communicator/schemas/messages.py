"""Messages, deliveries, threads and the simulator's phones as the API carries them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from communicator.schemas.types import Status, TagName


class Recipients(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who a message goes to: any mix of employees, groups, tag subscribers and raw numbers."""

    employees: list[int] = []
    groups: list[int] = []
    numbers: list[str] = []
    tags: list[TagName] = []


class MessageCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A message to send."""

    text: str
    recipients: Recipients


class InboundCreate(Struct, forbid_unknown_fields=True, kw_only=True, rename={"sender": "from"}):
    """An SMS typed on a virtual phone (simulator only)."""

    sender: Annotated[str, Meta(min_length=1, max_length=40)]
    text: Annotated[str, Meta(min_length=1, max_length=1000)]
    to: str | None = None


class Summary(Struct):
    """Counts of a message's deliveries by status."""

    total: int
    counts: dict[str, int]


class DeliveryRead(Struct):
    """One recipient of an outbound message."""

    id: int
    phone: str
    employee_id: int | None
    employee_name: str | None
    status: Status
    updated_at: datetime
    error: str | None
    possible_duplicate: bool = False


class MessageRead(Struct):
    """A message; deliveries are included only where asked for."""

    id: int
    direction: Literal["out", "in"]
    text: str
    parts: int
    encoding: str
    created_at: datetime
    author_name: str | None
    sender_phone: str | None
    employee_id: int | None
    employee_name: str | None
    reply_to_id: int | None
    summary: Summary
    deliveries: list[DeliveryRead] | None = None
    author_user_id: int | None = None
    # Where a page of deliveries stops: the `after_id` of the next page; null on the last page.
    deliveries_next: int | None = None


class LastMessage(Struct):
    """The preview of a thread's newest message."""

    id: int
    direction: str
    text: str
    created_at: datetime
    sender_name: str | None = None  # who wrote it: the inbound sender (name, or phone), or the outbound author
    author_user_id: int | None = None  # the outbound author's login, so the web app can say «Вы»


class ThreadRead(Struct):
    """A thread in the list."""

    id: int
    kind: Literal["employee", "group", "unknown"]
    ref_id: int | None
    title: str
    color: str | None
    last_message: LastMessage | None
    last_activity_at: datetime | None
    unread: int


class ThreadPage(Struct):
    """A page of a thread's messages, oldest first."""

    items: list[MessageRead]
    has_more: bool


class ReadMark(Struct, forbid_unknown_fields=True):
    """How far the user has read a thread."""

    last_message_id: Annotated[int, Meta(ge=0)]


class PhoneRead(Struct):
    """A virtual phone on the simulator page."""

    phone: str
    employee_id: int | None
    name: str


class PhoneMessage(Struct):
    """An SMS as a virtual phone sees it."""

    id: int
    kind: Literal["received", "sent"]
    text: str
    at: datetime
    status: str | None
