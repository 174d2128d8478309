"""The gateway's links and queue as the «Шлюз» page and the top bar's warning read them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct


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
