"""The platform's unrouted inbox as the API carries it (docs/inbound.md)."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from communicator.schemas.types import Id


class UnroutedRead(Struct, kw_only=True):
    """An inbound SMS no account could be chosen for."""

    id: int
    short_number: str | None
    sender: str
    text: str
    received_at: datetime


class UnroutedPage(Struct, kw_only=True):
    """A page of the unrouted inbox, newest first."""

    items: list[UnroutedRead]
    has_more: bool


class UnroutedAssign(Struct, forbid_unknown_fields=True, kw_only=True):
    """The account an unrouted message goes to."""

    account_id: Id
