"""The embedded send queue: the deliveries table itself; it hands out the ids of claimable deliveries.

A delivery is claimable when Pending and not held back, or when Sending and its lease ran out
(the worker that held it died: it may have reached the SMSC, so it is flagged a possible duplicate).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.domain import DeliveryStatus


class DatabaseQueue:
    """SendQueue over the database; durable by construction."""

    def __init__(self, db: Database, lease_seconds: float) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)
        self._wakeup = asyncio.Event()

    def notify(self) -> None:
        """Wake the workers of this process."""
        self._wakeup.set()

    async def wait(self, timeout: float) -> None:
        """Sleep until notified or the timeout passes (other processes' sends are seen by polling)."""
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel, and a stopping loop goes on.
            async with asyncio.timeout(timeout):
                await self._wakeup.wait()
        except TimeoutError:
            pass
        self._wakeup.clear()

    def select_claimable_ids(self, now: datetime, limit: int) -> Select[int]:
        """The ids a worker may take now, oldest first (rows other claimers hold locked are skipped)."""
        ready = or_(
            and_(
                Delivery.status == DeliveryStatus.PENDING,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now),
            ),
            and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until <= now),
        )
        # Past its validity period it is not sent; the schedule step marks it TimedOut.
        valid = or_(Delivery.expires_at.is_(None), Delivery.expires_at > now)
        query = select(Delivery.id).where(ready, valid).order_by(Delivery.id).limit(limit)
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        return query
