"""What a history search (and an export of it) asks for: one struct for the search page, exports and tests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from communicator.domain import DeliveryStatus, Direction
from communicator.schemas.messages import MessageRead
from communicator.schemas.types import Id


class SearchFilters(Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """A phrase and/or #tag, narrowed by employee, group, direction, delivery status and time; all optional."""

    q: Annotated[str, Meta(max_length=200)] | None = None
    tag: Annotated[str, Meta(max_length=64)] | None = None
    employee_id: Id | None = None
    group_id: Id | None = None
    direction: Direction | None = None
    status: DeliveryStatus | None = None
    since: datetime | None = None
    until: datetime | None = None


class HighlightPart(Struct, kw_only=True, omit_defaults=True):
    """A piece of a hit's text; `hit` marks a word (or #tag) the search asked for. The pieces joined are the text."""

    text: str
    hit: bool = False


class SearchHit(MessageRead, kw_only=True):
    """A message that matched, with its text cut into highlighted pieces and the thread to open it in."""

    highlight: list[HighlightPart]
    thread_id: int | None = None  # a thread the caller sees this message in


class SearchPage(Struct, kw_only=True):
    """A page of hits, newest first; `next_cursor` asks for the next (older) page, null on the last."""

    items: list[SearchHit]
    next_cursor: str | None
