"""The simulator driver: a virtual SMSC with throughput limit, latency, delayed receipts, failures.

Virtual phones are the deliveries and inbound messages in the database; the Phones page reads
them and replies through services.inbound. See docs/gateway.md.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import os
import random
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from communicator.db.models import Delivery
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.gateway.drivers import LinkState
from communicator.gateway.drivers.autoreply import AutoReplier
from communicator.gateway.drivers.statuses import get_receipt_status
from communicator.queue import Claimed
from communicator.services.messaging.delivery import Receipt, SubmitResult, apply_receipts

log = logging.getLogger(__name__)
UNMATCHED_RETRY_SECONDS = 0.2
UNMATCHED_GIVE_UP_SECONDS = 60.0


class SimulatorDriver:
    """A Driver whose SMSC lives in this process."""

    def __init__(
        self,
        db: Database,
        *,
        tps: float,
        submit_latency_ms: float,
        dlr_delay_ms: float,
        failure_rate: float,
        log_path: str | None = None,
        rng: random.Random | None = None,
        auto_reply_rate: float = 0.0,
        auto_reply_delay_seconds: float = 3.0,
    ) -> None:
        self.db = db
        self.tps = tps
        self.latency = submit_latency_ms / 1000
        self.dlr_delay = dlr_delay_ms / 1000
        self.failure_rate = failure_rate
        self.log_path = log_path
        self.rng = rng or random.Random()
        self._due: list[tuple[float, str, DeliveryStatus, float]] = []  # (due, smsc_id, status, first offered)
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.replier = AutoReplier(db, auto_reply_rate, auto_reply_delay_seconds, self.rng)
        self._started_at = datetime.now(UTC)

    async def start(self) -> None:
        """Resume receipts for messages the SMSC accepted before a restart, then start reporting."""
        query = select(Delivery.smsc_id).where(Delivery.status == DeliveryStatus.SENT, Delivery.smsc_id.like("sim-%"))
        async with self.db.read() as session:
            pending = (await session.scalars(query)).all()
        for smsc_id in filter(None, pending):
            self._schedule(smsc_id)
        self._task = asyncio.create_task(self._report_loop(), name="simulator-receipts")

    async def stop(self) -> None:
        """Stop reporting."""
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def link_states(self) -> list[LinkState]:
        """The virtual SMSC is always bound."""
        return [
            LinkState(name="simulator", status="bound", since=self._started_at, last_error=None, tps_allowed=self.tps)
        ]

    async def submit(self, batch: Sequence[Claimed]) -> list[SubmitResult]:
        """Accept every message after the configured latency; receipts follow after the DLR delay."""
        if self.latency:
            await asyncio.sleep(self.latency)
        results = [SubmitResult(c.delivery_id, smsc_id=f"sim-{c.delivery_id}-{secrets.token_hex(4)}") for c in batch]
        self._log_accepted(batch, results)
        for result in results:
            self._schedule(result.smsc_id or "")
        return results

    def _log_accepted(self, batch: Sequence[Claimed], results: list[SubmitResult]) -> None:
        """Append what the virtual SMSC accepted (the phones' side of the story) to the log file."""
        if self.log_path:
            lines = "".join(f"{c.delivery_id}\t{c.phone}\t{r.smsc_id}\n" for c, r in zip(batch, results))
            # One O_APPEND write: a kill can never leave half a line for the next process to append to.
            descriptor = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, lines.encode())
            finally:
                os.close(descriptor)

    def _schedule(self, smsc_id: str, first: float | None = None) -> None:
        """Queue a receipt: Delivered, or NotDelivered at the failure rate."""
        # The virtual SMSC answers as a real one would, in SMPP receipt words, read through the same table.
        status = get_receipt_status("UNDELIV" if self.rng.random() < self.failure_rate else "DELIVRD")
        now = time.monotonic()
        heapq.heappush(self._due, (now + self.dlr_delay, smsc_id, status, first or now))
        if len(self._due) == 1:  # the loop sleeps for the earliest receipt; only an empty heap needs a wake-up
            self._wakeup.set()

    async def _report_loop(self) -> None:
        """Send due receipts in batches; offer unmatched ones again shortly."""
        while True:
            due = self._pop_due()
            if due:
                try:
                    unmatched = await apply_receipts(self.db, [Receipt(s, status) for _, s, status, _ in due])
                except Exception:
                    log.exception("applying receipts failed; will retry")
                    unmatched = {s for _, s, _, _ in due}
                self._retry_unmatched(due, unmatched)
                self.replier.on_delivered(
                    s for _, s, status, _ in due if status == DeliveryStatus.DELIVERED and s not in unmatched
                )
            await self._sleep_until_next()

    def _pop_due(self, limit: int = 1000) -> list[tuple[float, str, DeliveryStatus, float]]:
        """The receipts whose time has come."""
        now = time.monotonic()
        due: list[tuple[float, str, DeliveryStatus, float]] = []
        while self._due and self._due[0][0] <= now and len(due) < limit:
            due.append(heapq.heappop(self._due))
        return due

    def _retry_unmatched(self, due: list[tuple[float, str, DeliveryStatus, float]], unmatched: set[str]) -> None:
        """A receipt can overtake its submit's commit; try again unless it is very old."""
        now = time.monotonic()
        for _, smsc_id, status, first in due:
            if smsc_id in unmatched and now - first < UNMATCHED_GIVE_UP_SECONDS:
                heapq.heappush(self._due, (now + UNMATCHED_RETRY_SECONDS, smsc_id, status, first))

    async def _sleep_until_next(self) -> None:
        """Wait for the next due receipt or a new one."""
        self._wakeup.clear()
        timeout = max(0.0, self._due[0][0] - time.monotonic()) if self._due else 1.0
        try:
            async with asyncio.timeout(max(timeout, 0.01)):  # not wait_for: it can swallow a cancel on 3.11
                await self._wakeup.wait()
        except TimeoutError:
            pass
