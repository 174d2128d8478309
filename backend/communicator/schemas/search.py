"""What a history search (and an export of it) asks for: one struct for the search page, exports and tests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from communicator.domain import DeliveryStatus, Direction
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
