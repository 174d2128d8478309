"""Webhook calls written in the event's own transaction (docs/webhooks.md): the outbox loses none on a crash."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import WebhookOutbox, WebhookSettings
from communicator.events.types import AnyEvent, DeliveryUpdated, MessageCreated

_encoder = msgspec.json.Encoder()


def _hook_of(event: AnyEvent) -> tuple[str, str, object] | None:
    """(kind, webhook type, data) for an event a webhook reports, else None."""
    if isinstance(event, MessageCreated) and event.message.direction == "in":
        return "inbound", "message.received", event.message
    if isinstance(event, DeliveryUpdated):
        data = {"message_id": event.message_id, "deliveries": event.deliveries, "summary": event.summary}
        return "delivery", "delivery.updated", data
    return None


async def record_webhook_call(session: AsyncSession, account_id: int, event: AnyEvent) -> None:
    """Queue the webhook call this event causes, if the account set a URL for it.

    The URL is read first: a delivery event's body for a 10,000-recipient send is about 100 KB, not worth
    encoding and sending to the database for an account without a webhook.
    """
    hook = _hook_of(event)
    if hook is None:
        return
    kind, hook_type, data = hook
    column = WebhookSettings.inbound_url if kind == "inbound" else WebhookSettings.delivery_url
    url = await session.scalar(select(column).where(WebhookSettings.account_id == account_id))
    if not url:
        return
    now = datetime.now(UTC)
    webhook_id = str(uuid.uuid4())
    body = _encoder.encode(
        {"id": webhook_id, "type": hook_type, "account_id": account_id, "created_at": now, "data": data}
    ).decode()
    call = {"account_id": account_id, "kind": kind, "url": url, "webhook_id": webhook_id, "body": body}
    await session.execute(
        insert(WebhookOutbox).values(**call, status="pending", attempts=0, next_attempt_at=now, created_at=now)
    )
