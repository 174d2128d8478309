"""The send queue behind one Protocol: it hands out the ids of deliveries ready to send. See docs/queue.md.

Claiming them (Pending → Sending and its events) is the delivery service's (services/messaging/delivery.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import msgspec
from sqlalchemy import Select


class Claimed(msgspec.Struct, frozen=True):
    """A delivery leased to a gateway worker, with what the SMSC needs."""

    delivery_id: int
    message_id: int
    phone: str
    text: str
    attempts: int
    possible_duplicate: bool
    sender: str | None = None  # an approved alphanumeric sender name; None sends from the short number
    validity_minutes: int | None = None  # the SMSC gives up after this long; None leaves it to the SMSC
    account_id: int = 0  # whose SMS it is: an SMPP driver sends it through that account's binds


class SendQueue(Protocol):
    """Where accepted deliveries wait for a gateway worker."""

    lease: timedelta

    def notify(self) -> None:
        """Wake waiting workers: new deliveries were committed."""

    def select_claimable_ids(self, now: datetime, limit: int) -> Select[int]:
        """The ids of up to `limit` deliveries a worker may take now, locked for the claiming transaction."""

    async def wait(self, timeout: float) -> None:
        """Return when notified or after the timeout."""
