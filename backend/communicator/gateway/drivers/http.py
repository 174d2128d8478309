"""The HTTP aggregator driver: one request per SMS to the account's provider, answers mapped to statuses. See docs/gateway.md.

Each account configures its own provider (services/messaging/http_providers.py); delivery reports come back through
POST /api/v1/providers/http/dlr/{token} (api/http_providers.py), not through this driver.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from communicator.db.models import Account, Delivery
from communicator.db.session import Database
from communicator.gateway.drivers import LinkState
from communicator.gateway.drivers.http_templates import Outcome, fill, read_answer, render_body
from communicator.gateway.ratelimit import TokenBucket
from communicator.queue import Claimed
from communicator.services.messaging.delivery import SubmitResult
from communicator.services.messaging.http_providers import HttpProviderConfig, get_smsc_id, list_http_provider_configs

log = logging.getLogger(__name__)
CONFIG_MAX_AGE_SECONDS = 5.0
MAX_CONCURRENT_REQUESTS = 32


class _Link:
    """One provider's state as link_states() reports it."""

    def __init__(self, provider: HttpProviderConfig) -> None:
        self.provider = provider
        self.status: str = "bound"
        self.since = datetime.now(UTC)
        self.last_error: str | None = None
        self.bucket = TokenBucket(provider.tps)

    def note(self, outcome: Outcome) -> None:
        """An answer came: a retryable failure marks the link down until the next success."""
        status = "down" if outcome.retryable else "bound"
        if outcome.error:
            self.last_error = outcome.error
        if status != self.status:
            self.status, self.since = status, datetime.now(UTC)


class HttpDriver:
    """A Driver that posts each SMS to its account's HTTP aggregator."""

    def __init__(self, db: Database, *, tps: float, timeout_seconds: float = 10.0) -> None:
        self.db = db
        self.tps = tps
        self.timeout = timeout_seconds
        self._links: dict[int, _Link] = {}  # by account id
        self._loaded_at = -CONFIG_MAX_AGE_SECONDS
        self._client: httpx.AsyncClient | None = None
        self._limit = asyncio.Semaphore(MAX_CONCURRENT_REQUESTS)
        self._started_at = datetime.now(UTC)

    async def start(self) -> None:
        """Open the connection pool and read the providers."""
        self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        await self._refresh(force=True)

    async def stop(self) -> None:
        """Close the connection pool."""
        if self._client:
            await self._client.aclose()

    def link_states(self) -> list[LinkState]:
        """One link per configured provider; none configured is one link, down, saying so."""
        if not self._links:
            missing = "no HTTP provider is configured"
            return [LinkState(name="http", status="down", since=self._started_at, last_error=missing, tps_allowed=0.0)]
        return [
            LinkState(
                name=f"http:{link.provider.name}#{account_id}",
                status=link.status,  # type: ignore[arg-type]
                since=link.since,
                last_error=link.last_error,
                tps_allowed=link.provider.tps,
            )
            for account_id, link in sorted(self._links.items())
        ]

    async def _refresh(self, force: bool = False) -> None:
        """Re-read the providers every few seconds, so an admin's change takes effect without a restart."""
        if not force and time.monotonic() - self._loaded_at < CONFIG_MAX_AGE_SECONDS:
            return
        configs = {c.account_id: c for c in await list_http_provider_configs(self.db)}
        for account_id, config in configs.items():
            link = self._links.get(account_id)
            if link is None or link.provider != config:
                self._links[account_id] = _Link(config)
        for account_id in set(self._links) - set(configs):
            del self._links[account_id]
        self._loaded_at = time.monotonic()

    async def submit(self, batch: Sequence[Claimed]) -> list[SubmitResult]:
        """Send each SMS of the batch through its account's provider; one result per delivery, in batch order."""
        await self._refresh()
        accounts = await self._accounts_of(batch)
        return list(await asyncio.gather(*(self._submit_one(c, *accounts[c.delivery_id]) for c in batch)))

    async def _accounts_of(self, batch: Sequence[Claimed]) -> dict[int, tuple[int, str]]:
        """Each delivery's account and its default sender (the short number)."""
        query = (
            select(Delivery.id, Delivery.account_id, Account.short_number)
            .join(Account, Account.id == Delivery.account_id)
            .where(Delivery.id.in_([c.delivery_id for c in batch]))
        )
        async with self.db.read() as session:
            return {row.id: (row.account_id, row.short_number) for row in await session.execute(query)}

    async def _submit_one(self, claimed: Claimed, account_id: int, short_number: str) -> SubmitResult:
        """One request; a connection failure or timeout is retried later (nothing is known to be accepted)."""
        link = self._links.get(account_id)
        if link is None:
            error = "No HTTP provider is configured for this account."
            return SubmitResult(claimed.delivery_id, error=error, retryable=True)
        await link.bucket.acquire(1)
        values = {
            "phone": claimed.phone,
            "msisdn": claimed.phone.lstrip("+"),
            "text": claimed.text,
            "sender": link.provider.sender or short_number,
            "id": str(claimed.delivery_id),
        }
        async with self._limit:
            outcome = await self._request(link.provider, values)
        link.note(outcome)
        if outcome.provider_id is not None:
            return SubmitResult(claimed.delivery_id, smsc_id=get_smsc_id(link.provider.id, outcome.provider_id))
        return SubmitResult(claimed.delivery_id, error=outcome.error, retryable=outcome.retryable)

    async def _request(self, provider: HttpProviderConfig, values: dict[str, str]) -> Outcome:
        """Send the filled-in request and read the answer."""
        assert self._client is not None, "start() first"
        body, content_type = render_body(provider.body_type, provider.body_template, values)
        headers = {"Content-Type": content_type} if content_type else {}
        if provider.auth_header:
            headers[provider.auth_header] = provider.auth_value
        try:
            response = await self._client.request(
                provider.method, fill(provider.url_template, values, "url"), content=body, headers=headers
            )
        except httpx.HTTPError as error:
            return Outcome(error=f"{type(error).__name__}: {error}"[:200], retryable=True)
        return read_answer(response.status_code, response.text, provider.id_path, provider.id_regex)
