"""Drivers: the Protocol every SMSC connection implements, and the drivers themselves. See docs/gateway.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from communicator.queue import Claimed
from communicator.services.messaging.delivery import SubmitResult


class Driver(Protocol):
    """An SMSC connection: submits batches, pushes MO and DLR into the services itself."""

    tps: float

    async def start(self) -> None:
        """Connect (and, for the simulator, resume pending receipts)."""

    async def stop(self) -> None:
        """Disconnect."""

    async def submit(self, batch: Sequence[Claimed]) -> list[SubmitResult]:
        """Send a batch; one result per delivery."""
