"""Messages, deliveries, threads and the simulator's phones as the API carries them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from communicator.domain import DeliveryStatus, Direction, ThreadKind
from communicator.schemas.types import BigCursor, Id, Phone, TagName

MAX_VALID_MINUTES = 7 * 24 * 60


class Recipients(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who a message goes to: any mix of employees, groups, tag subscribers and raw numbers."""

    employees: list[Id] = []
    groups: list[Id] = []
    numbers: list[Phone] = []
    tags: list[TagName] = []


class MessageCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A message to send."""

    text: str
    recipients: Recipients
    # The sending tab's key for its local echo, handed back in the answer and the message.created event.
    client_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    # Required above the account's confirm_threshold_sms (recipients x parts): a large send is never an accident.
    confirmed: bool = False
    # Send later: ISO 8601; without an offset it is the account's local time (docs/scheduling.md).
    send_at: datetime | None = None
    # Give up on deliveries not handed to the SMSC within this many minutes of the send time (at most 7 days).
    valid_minutes: Annotated[int, Meta(ge=1, le=MAX_VALID_MINUTES)] | None = None
    # One of the account's approved alphanumeric sender names (sent with TON 5); none: the short number.
    sender_name: Annotated[str, Meta(max_length=11)] | None = None


class InboundCreate(Struct, forbid_unknown_fields=True, kw_only=True, rename={"sender": "from"}):
    """An SMS typed on a virtual phone (simulator only)."""

    sender: Phone
    text: Annotated[str, Meta(min_length=1, max_length=1000)]
    to: Annotated[str, Meta(max_length=20)] | None = None


class Summary(Struct, kw_only=True):
    """Counts of a message's deliveries by status."""

    total: int
    counts: dict[str, int]


class DeliveryRead(Struct, kw_only=True):
    """One recipient of an outbound message."""

    id: int
    phone: str
    employee_id: int | None
    employee_name: str | None
    status: DeliveryStatus
    updated_at: datetime
    error: str | None
    possible_duplicate: bool = False
    # Proof of notification: when it first reached Sent and Delivered; replied_at only in a message's recipient list.
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    replied_at: datetime | None = None


class MessageRead(Struct, kw_only=True):
    """A message; deliveries are included only where asked for."""

    id: int
    direction: Direction
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
    client_id: str | None = None  # the sender's MessageCreate.client_id, in the send answer and its event only
    follow_up_of: int | None = None  # the message this one reminds the non-answering recipients of
    follow_up_ids: list[int] = []  # the reminders sent for this message
    folded: int = 0  # identical alert mails folded into this one (docs/mail.md): the thread shows «×(folded+1)»
    send_at: datetime | None = None  # a scheduled send's due time (UTC); its deliveries wait as Scheduled until then
    valid_until: datetime | None = None  # deliveries not handed to the SMSC by then end as TimedOut
    contact_name: str | None = None  # an inbound sender outside the staff, named in the directory's contacts


class LastMessage(Struct, kw_only=True):
    """The preview of a thread's newest message."""

    id: int
    direction: str
    text: str
    created_at: datetime
    sender_name: str | None = None  # who wrote it: the inbound sender (name, or phone), or the outbound author
    author_user_id: int | None = None  # the outbound author's login, so the web app can say «Вы»


class ThreadRead(Struct, kw_only=True):
    """A thread in the list."""

    id: int
    kind: ThreadKind
    ref_id: int | None
    title: str
    color: str | None
    last_message: LastMessage | None
    last_activity_at: datetime | None
    unread: int
    phone: str | None = None  # a contact thread's number (to answer it in place)


class ThreadPage(Struct, kw_only=True):
    """A page of a thread's messages, oldest first."""

    items: list[MessageRead]
    has_more: bool


class ReadMark(Struct, forbid_unknown_fields=True):
    """How far the user has read a thread."""

    last_message_id: BigCursor


class PhoneRead(Struct, kw_only=True):
    """A virtual phone on the simulator page."""

    phone: str
    employee_id: int | None
    name: str


class PhoneMessage(Struct, kw_only=True):
    """An SMS as a virtual phone sees it."""

    id: int
    kind: Literal["received", "sent"]
    text: str
    at: datetime
    status: DeliveryStatus | None
