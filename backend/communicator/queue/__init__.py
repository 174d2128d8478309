"""The send queue behind one Protocol. See docs/queue.md."""

from __future__ import annotations

from typing import Protocol

import msgspec


class Claimed(msgspec.Struct, frozen=True):
    """A delivery leased to a gateway worker, with what the SMSC needs."""

    delivery_id: int
    message_id: int
    phone: str
    text: str
    attempts: int
    possible_duplicate: bool


class SendQueue(Protocol):
    """Where accepted deliveries wait for a gateway worker."""

    def notify(self) -> None:
        """Wake waiting workers: new deliveries were committed."""

    async def claim(self, limit: int) -> list[Claimed]:
        """Lease up to `limit` deliveries, moving them Pending → Sending."""

    async def wait(self, timeout: float) -> None:
        """Return when notified or after the timeout."""
