"""Posting webhook calls: sign, send, record; a background task of serve, api and gateway processes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from datetime import timedelta

import httpx

from communicator.db.session import Database
from communicator.services.integrations.webhook_targets import TargetRefused, resolve_webhook_target
from communicator.services.integrations.webhooks import (
    CallResult,
    WebhookCall,
    claim_webhook_calls,
    get_retry_delay,
    prune_webhook_log,
    record_webhook_result,
)
from communicator.settings import Settings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Communicator-Signature"
ID_HEADER = "X-Communicator-Webhook-Id"
BATCH = 20
PRUNE_EVERY_SECONDS = 3600.0


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


async def post_webhook_call(http: httpx.AsyncClient, call: WebhookCall, allow_private: bool = False) -> CallResult:
    """One attempt: 2xx is success; anything else (or no answer in time, or a private address) is retried later."""
    try:  # checked again at every attempt, and the post goes to the address checked (DNS rebinding)
        target = await resolve_webhook_target(call.url, allow_private)
    except TargetRefused as error:
        return CallResult(ok=False, status=None, error=f"refused: {error}"[:300])
    body = call.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Communicator-Webhooks/1",
        SIGNATURE_HEADER: sign_body(call.secret, int(time.time()), body),
        ID_HEADER: call.webhook_id,
        "X-Communicator-Event": call.kind,
        "X-Communicator-Attempt": str(call.attempt),
    }
    if target.host_header:
        headers["Host"] = target.host_header
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
    try:
        response = await http.post(target.url, content=body, headers=headers, extensions=extensions)
    except httpx.TimeoutException:
        return CallResult(ok=False, status=None, error="timed out")
    except httpx.HTTPError as error:
        return CallResult(ok=False, status=None, error=f"{type(error).__name__}: {error}"[:300])
    if 200 <= response.status_code < 300:
        return CallResult(ok=True, status=response.status_code, error=None)
    return CallResult(ok=False, status=response.status_code, error=f"HTTP {response.status_code}")


async def send_due_webhooks(db: Database, http: httpx.AsyncClient, settings: Settings) -> int:
    """Claim, post and record one batch of due calls; returns how many were attempted."""
    # The lease outlasts the timeout, so nobody else takes a call while its attempt may still be in flight.
    lease = timedelta(seconds=settings.webhook_timeout_seconds + 30)
    calls = await claim_webhook_calls(db, lease, BATCH)
    results = await asyncio.gather(*(post_webhook_call(http, call, settings.webhook_allow_private) for call in calls))
    for call, result in zip(calls, results, strict=True):
        delay = get_retry_delay(call.attempt, settings.webhook_backoff_seconds, settings.webhook_backoff_max_seconds)
        await record_webhook_result(db, call, result, settings.webhook_max_attempts, delay)
    return len(calls)


async def run_webhook_sender(db: Database, settings: Settings) -> None:
    """Send due calls forever; idle, look again every COMMUNICATOR_WEBHOOK_POLL_SECONDS."""
    timeout = httpx.Timeout(settings.webhook_timeout_seconds)
    next_prune = 0.0
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        while True:
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                await _prune(db, settings)
            try:
                attempted = await send_due_webhooks(db, http, settings)
            except Exception:
                log.exception("sending webhooks failed; will retry")
                attempted = 0
            if attempted < BATCH:
                await asyncio.sleep(settings.webhook_poll_seconds)


async def _prune(db: Database, settings: Settings) -> None:
    """Keep the delivery log bounded (docs/webhooks.md); a failure is logged and tried again next time."""
    try:
        older = timedelta(days=settings.webhook_log_days)
        deleted = await prune_webhook_log(db, older, settings.webhook_log_max_per_account)
    except Exception:
        log.exception("pruning the webhook log failed; will retry")
        return
    if deleted:
        log.info("pruned %d finished webhook calls", deleted)
