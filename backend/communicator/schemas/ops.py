"""The gateway's links and queue as the «Шлюз» page and the top bar's warning read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from communicator.schemas.types import Id


class GatewayLinkRead(Struct, kw_only=True):
    """One SMSC connection of one gateway process; a link whose process stopped reporting reads as down."""

    process: str
    name: str
    status: Literal["bound", "connecting", "down"]
    since: datetime
    last_error: str | None
    tps_allowed: float
    current_rate: float
    updated_at: datetime
    stale: bool


class GatewayStatusRead(Struct, kw_only=True):
    """Every link, and the send queue's depth by delivery status."""

    links: list[GatewayLinkRead]
    queue: dict[str, int]


class GatewayAlarmRead(Struct, kw_only=True):
    """What every user's top bar needs: is any bind up."""

    any_bound: bool
    links: int


Host = Annotated[str, Meta(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9.:\[\]-]+$")]
# SMPP 3.4 C-Octet strings are ASCII: system_id ≤ 15, password ≤ 8, system_type ≤ 12, source_addr ≤ 20 characters.
Ascii = r"^[\x20-\x7e]*$"


class SmppBindWrite(Struct, forbid_unknown_fields=True, kw_only=True):
    """A bind to add or change; `password` None keeps the stored one (it is never read back).

    `account_id` None: the caller's own account (only a platform admin names another one).
    """

    account_id: Id | None = None
    host: Host
    port: Annotated[int, Meta(ge=1, le=65535)] = 2775
    system_id: Annotated[str, Meta(min_length=1, max_length=15, pattern=Ascii)]
    password: Annotated[str, Meta(max_length=8, pattern=Ascii)] | None = None
    system_type: Annotated[str, Meta(max_length=12, pattern=Ascii)] = ""
    source_addr: Annotated[str, Meta(max_length=20, pattern=Ascii)] = ""
    window: Annotated[int, Meta(ge=1, le=1000)] = 10
    tps: Annotated[float, Meta(ge=1, le=10000)] = 100.0
    enabled: bool = True


class SmppBindRead(Struct, kw_only=True):
    """A stored bind; its password only as set or not. `link` is its name on the links list, `state` that link
    as its gateways last reported it (the bound one when several processes run it; None: not reported yet)."""

    id: int
    account_id: int
    account_name: str
    host: str
    port: int
    system_id: str
    has_password: bool
    system_type: str
    source_addr: str
    window: int
    tps: float
    enabled: bool
    link: str
    state: GatewayLinkRead | None = None
    created_at: datetime
    updated_at: datetime
