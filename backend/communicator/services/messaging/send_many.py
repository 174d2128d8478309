"""Sending different texts to different phones in one action: all are accepted, or none (M2M, mailings)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.session import Database, wake_gateways_after_commit
from communicator.events import MessageCreated, record_event
from communicator.schemas import MessageCreate, MessageRead, Recipients
from communicator.services.core import permissions
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.messaging.send import _record_outbound, check_text, resolve_recipients
from communicator.services.messaging.threads import touch_threads
from communicator.services.messaging.views import get_message_page

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


async def send_texts(db: Database, actor: Actor, items: Sequence[TextTo]) -> list[MessageRead]:
    """One message per item, each with one Pending delivery per phone; any refusal refuses them all."""
    permissions.check_scope(actor, "messages:send")
    if not items:
        raise InvalidInput("No recipients: give at least one phone number.", code="no_recipients")
    if sum(len(item.phones) for item in items) > MAX_ITEMS:
        raise InvalidInput(f"At most {MAX_ITEMS} recipients in one request.", code="too_many_recipients")
    texts = [check_text(item.text) for item in items]
    async with db.write() as session:
        resolved = [
            await resolve_recipients(session, actor, MessageCreate(text=t, recipients=Recipients(numbers=i.phones)))
            for t, i in zip(texts, items, strict=True)
        ]
        # Every recipient of every item is checked before anything is stored: a refusal names them all.
        await permissions.check_may_send(session, actor, {p: e for phones in resolved for p, e in phones.items()})
        reads = [await _record_send(session, actor, t, phones) for t, phones in zip(texts, resolved, strict=True)]
        wake_gateways_after_commit(session)
    return reads


async def _record_send(session: AsyncSession, actor: Actor, text: str, phones: dict[str, int | None]) -> MessageRead:
    """Store one message with its deliveries and record message.created."""
    message = await _record_outbound(session, actor, text, [], phones)
    read = await get_message_page(session, message)
    thread_ids = await touch_threads(session, message.id, message.created_at)
    summary_only = msgspec.structs.replace(read, deliveries=None, deliveries_next=None)
    await record_event(session, actor.account_id, MessageCreated(message=summary_only, thread_ids=thread_ids))
    return read
