"""The embedded send queue: the deliveries table itself, leased with UPDATE … RETURNING.

A delivery is claimable when Pending and not held back, or when Sending and its lease ran out
(the worker that held it died: it may have reached the SMSC, so it is flagged a possible duplicate).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update

from communicator.db.models import Delivery, Message
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.queue import Claimed
from communicator.services.messaging.delivery import record_status_events


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
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        except TimeoutError:
            pass
        self._wakeup.clear()

    def _claimable(self, now: datetime, limit: int):
        """The ids a worker may take now, oldest first."""
        ready = or_(
            and_(
                Delivery.status == DeliveryStatus.PENDING,
                or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now),
            ),
            and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until <= now),
        )
        query = select(Delivery.id).where(ready).order_by(Delivery.id).limit(limit)
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        return query

    async def claim(self, limit: int) -> list[Claimed]:
        """Lease up to `limit` deliveries and move them to Sending, recording the change."""
        now = datetime.now(UTC)
        move_to_sending = (
            update(Delivery)
            .where(Delivery.id.in_(self._claimable(now, limit).scalar_subquery()))
            .values(
                possible_duplicate=or_(Delivery.possible_duplicate, Delivery.status == DeliveryStatus.SENDING),
                status=DeliveryStatus.SENDING,
                lease_until=now + self.lease,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
            .returning(Delivery.id, Delivery.message_id, Delivery.phone, Delivery.attempts, Delivery.possible_duplicate)
            .execution_options(synchronize_session=False)
        )
        async with self.db.write() as session:
            rows = (await session.execute(move_to_sending)).all()
            if not rows:
                return []
            text_query = select(Message.id, Message.text).where(Message.id.in_({r.message_id for r in rows}))
            texts = dict((await session.execute(text_query)).all())
            await record_status_events(session, [r.id for r in rows])
        return sorted(
            (Claimed(r.id, r.message_id, r.phone, texts[r.message_id], r.attempts, r.possible_duplicate) for r in rows),
            key=lambda c: c.delivery_id,
        )
