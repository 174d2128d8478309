"""The gateway worker: claim → rate limit → submit → record, in a loop."""

from __future__ import annotations

import asyncio
import logging
import time

from communicator.db.session import Database
from communicator.gateway.drivers import Driver
from communicator.gateway.ratelimit import TokenBucket
from communicator.metrics import record_submits
from communicator.queue import Claimed, SendQueue
from communicator.services.messaging.delivery import (
    ClaimNext,
    SubmitResult,
    apply_submit_results,
    claim_deliveries,
    renew_leases,
)
from communicator.services.messaging.schedule import apply_timeouts, release_due_deliveries

# How often a busy worker releases due scheduled sends and times out expired ones (an idle one: every round).
SCHEDULE_INTERVAL = 1.0

log = logging.getLogger(__name__)


class GatewayWorker:
    """Moves deliveries from the queue to one driver."""

    def __init__(self, db: Database, queue: SendQueue, driver: Driver, batch: int, poll_seconds: float) -> None:
        self.db = db
        self.queue = queue
        self.driver = driver
        self.batch = batch
        self.poll_seconds = poll_seconds
        # A driver that paces each submit itself (SMPP) only needs claims kept about one batch ahead of it.
        self.bucket = TokenBucket(driver.tps, burst=float(batch) if getattr(driver, "paces_itself", False) else None)
        self._next_schedule = 0.0
        self.ahead: list[Claimed] = []  # the next batch, claimed with the last one's results
        self.submitted = 0  # deliveries handed to the driver so far: the «Шлюз» page's current rate

    async def run(self) -> None:
        """Work until cancelled; an error in one round is logged and the loop goes on."""
        try:
            while True:
                try:
                    worked = await self.run_once()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("gateway round failed; retrying")
                    worked = 0
                    await asyncio.sleep(1)
                if not worked:
                    await self.queue.wait(self.poll_seconds)
        finally:
            await self.release_ahead()

    async def release_ahead(self) -> None:
        """On a stop, give the batch claimed ahead back to the queue: none of it went to an SMSC."""
        ahead, self.ahead = self.ahead, []
        if ahead:
            unsent = [SubmitResult(c.delivery_id, error="gateway stopped", retryable=True, unsent=True) for c in ahead]
            await apply_submit_results(self.db, unsent, {c.delivery_id: c.attempts for c in ahead})

    async def run_once(self) -> int:
        """One round: claim a batch (or take the one claimed ahead), submit it, record the answers; how many."""
        await self.apply_schedule()
        claimed, self.ahead = self.ahead, []
        if not claimed:
            claimed = await self._claim()
        if not claimed:
            return 0
        started = time.perf_counter()
        renewing = asyncio.create_task(self._renew_leases([c.delivery_id for c in claimed]))
        try:
            results = await self.driver.submit(claimed)
        except Exception as error:  # the connection failed: nothing is known to be accepted
            log.warning("submit failed: %s", error)
            results = [SubmitResult(c.delivery_id, error=str(error), retryable=True) for c in claimed]
        finally:
            renewing.cancel()
        record_submits(results, time.perf_counter() - started)
        self.submitted += len(claimed)
        attempts = {c.delivery_id: c.attempts for c in claimed}
        claim_next = self._claim_ahead(len(claimed))
        self.ahead = await apply_submit_results(self.db, results, attempts, claim_next)
        if claim_next:
            self.bucket.refund(self.batch - len(self.ahead))
        return len(claimed)

    async def _claim(self) -> list[Claimed]:
        """A batch claimed on its own, once the rate limit allows it (none while no SMSC link is bound)."""
        if not self._may_claim():
            return []  # no SMSC link: claiming would only spend the deliveries' attempts on an outage
        # Wait for the rate limit before claiming, so a lease is spent sending, not waiting.
        self.bucket.rate = self.driver.tps  # binds added in the UI raise an SMPP driver's total
        await self.bucket.acquire(self.batch)
        claimed = await claim_deliveries(self.db, self.queue, self.batch)
        self.bucket.refund(self.batch - len(claimed))
        return claimed

    def _claim_ahead(self, handled: int) -> ClaimNext | None:
        """Claim the next batch with these results (one transaction, one event) if it may be sent at once.

        Only after a full batch (more are likely waiting) and when the rate limit has the tokens now: the next
        batch's lease must be spent sending. A clean stop gives it back unsent (`release_ahead`); a crash leaves it
        Sending until its lease runs out (re-claimed then, flagged possible duplicate); a worker holds one batch.
        """
        if handled < self.batch or not self._may_claim() or not self.bucket.take_now(self.batch):
            return None
        return self.queue, self.batch

    def _may_claim(self) -> bool:
        """Whether a claim can be sent: always, unless the driver needs a bound link and has none."""
        return not getattr(self.driver, "needs_bound_link", False) or self._any_bound()

    def _any_bound(self) -> bool:
        """Whether the driver has a bound link now (a driver whose links come back by themselves, like SMPP's)."""
        return any(link.status == "bound" for link in self.driver.link_states())

    async def _renew_leases(self, delivery_ids: list[int]) -> None:
        """While the SMSC holds the batch, keep its lease alive: another gateway must not take a live round."""
        interval = self.queue.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await renew_leases(self.db, delivery_ids, self.queue.lease)
            except Exception:
                log.exception("renewing leases failed; will try again")

    async def apply_schedule(self) -> None:
        """Release due scheduled deliveries and time out expired ones, at most once per SCHEDULE_INTERVAL."""
        if time.monotonic() < self._next_schedule:
            return
        self._next_schedule = time.monotonic() + SCHEDULE_INTERVAL
        await release_due_deliveries(self.db)
        await apply_timeouts(self.db)
