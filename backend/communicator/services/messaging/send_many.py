"""Sending different texts to different phones in one action: all are accepted, or none (M2M, mailings)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec

from communicator.db.session import Database
from communicator.schemas import MessageCreate, MessageRead, Recipients
from communicator.services.core import permissions
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.messaging.schedule import check_timing
from communicator.services.messaging.send import check_text, resolve_recipients, send_resolved

MAX_ITEMS = 10_000


class TextTo(msgspec.Struct, frozen=True, kw_only=True):
    """One text for some phones."""

    text: str
    phones: list[str]


def group_by_text(pairs: Sequence[tuple[str, str]]) -> list[TextTo]:
    """(phone, text) pairs as one TextTo per distinct text, in first-seen order."""
    texts: dict[str, list[str]] = {}
    for phone, text in pairs:
        texts.setdefault(text, []).append(phone)
    return [TextTo(text=text, phones=phones) for text, phones in texts.items()]


async def send_texts(
    db: Database,
    actor: Actor,
    items: Sequence[TextTo],
    confirmed: bool = False,
    send_at: datetime | None = None,
    valid_minutes: int | None = None,
    sender_name: str | None = None,
) -> list[MessageRead]:
    """One message per item, each with one delivery per phone (now or at `send_at`); any refusal refuses them all."""
    permissions.check_scope(actor, "messages:send")
    if not items:
        raise InvalidInput("No recipients: give at least one phone number.", code="no_recipients")
    if sum(len(item.phones) for item in items) > MAX_ITEMS:
        raise InvalidInput(f"At most {MAX_ITEMS} recipients in one request.", code="too_many_recipients")
    texts = [check_text(item.text) for item in items]
    async with db.write() as session:
        timing = await check_timing(session, actor.account_id, send_at, valid_minutes, datetime.now(UTC))
        sends = [
            MessageCreate(text=t, recipients=Recipients(numbers=i.phones), confirmed=confirmed, sender_name=sender_name)
            for t, i in zip(texts, items, strict=True)
        ]
        resolved = [await resolve_recipients(session, actor, data) for data in sends]
        # Every recipient of every item is checked before anything is stored: a refusal names them all.
        await permissions.check_may_send(session, actor, {p: e for phones in resolved for p, e in phones.items()})
        return [
            await send_resolved(session, actor, d, phones, [], timing)
            for d, phones in zip(sends, resolved, strict=True)
        ]
