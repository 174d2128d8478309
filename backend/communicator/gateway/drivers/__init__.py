"""Drivers: the Protocol every SMSC connection implements, and the drivers themselves. See docs/gateway.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from communicator.queue import Claimed
from communicator.services.messaging.delivery import SubmitResult

LinkStatus = Literal["bound", "connecting", "down"]


@dataclass(frozen=True, kw_only=True)
class LinkState:
    """One SMSC connection as the «Шлюз» page and /health/ready see it."""

    name: str  # a bind's name, unique within the gateway process ("simulator", "smpp:<system_id>@host:port#n")
    status: LinkStatus
    since: datetime  # when it entered this status (UTC)
    last_error: str | None
    tps_allowed: float


class Driver(Protocol):
    """An SMSC connection: submits batches, pushes MO and DLR into the services itself."""

    tps: float

    async def start(self) -> None:
        """Connect (and, for the simulator, resume pending receipts)."""

    async def stop(self) -> None:
        """Disconnect."""

    async def submit(self, batch: Sequence[Claimed]) -> list[SubmitResult]:
        """Send a batch; one result per delivery."""

    def link_states(self) -> list[LinkState]:
        """Each connection's state now; a driver with no real link reports one bound link."""
