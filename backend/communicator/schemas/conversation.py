"""Contacts, account inbox settings, read counts and follow-ups as the API carries them (docs/inbox.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from communicator.schemas.types import Name, Phone, TagName

Note = Annotated[str, Meta(max_length=2000)]
ReplyWindowHours = Annotated[int, Meta(ge=0, le=720)]
ConfirmThreshold = Annotated[int, Meta(ge=1, le=10_000_000)]
# Which recipients of a message the delivery list shows.
DeliveryFilter = Literal["all", "undelivered", "unanswered", "answered"]


class ContactRead(Struct, kw_only=True):
    """A phone outside the staff; `name` null while it is an unknown number (not in the directory)."""

    id: int
    phone: str
    name: str | None
    note: str
    thread_id: int | None = None
    tags: list[str] = []  # the tags it is subscribed to (case-folded, without '#'), opted-out ones included
    opted_out: list[str] = []  # those it left by replying «СТОП» (an Administrator may re-subscribe it)


class ContactCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """«Добавить в справочник»: an external contact (a known unknown number keeps its thread)."""

    phone: Phone
    name: Name
    note: Note = ""
    tags: list[TagName] = []


class ContactUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A contact's name, note or tag subscriptions (a kept tag keeps its opt-out)."""

    name: Name | UnsetType = UNSET
    note: Note | UnsetType = UNSET
    tags: list[TagName] | UnsetType = UNSET


class ContactResubscribe(Struct, forbid_unknown_fields=True, kw_only=True):
    """An Administrator undoes a contact's «СТОП» for these tags (empty: every tag it left)."""

    tags: list[TagName] = []


class ContactPromote(Struct, forbid_unknown_fields=True, kw_only=True):
    """«Добавить в справочник» as an employee: the contact's thread and past messages become the employee's."""

    name: Name
    position: Annotated[str, Meta(max_length=200)] | None = None


class AccountSettings(Struct, forbid_unknown_fields=True, kw_only=True):
    """The account's inbox settings («Настройки компании»)."""

    reply_window_hours: ReplyWindowHours
    confirm_threshold_sms: ConfirmThreshold


class ThreadReadCount(Struct, kw_only=True):
    """How many of a thread's unread messages a read mark cleared."""

    thread_id: int
    read: int


class FollowUpCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """«Напомнить не ответившим»: a new message to the recipients of an earlier one who did not answer."""

    text: str
    confirmed: bool = False
    client_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
