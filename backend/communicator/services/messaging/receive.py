"""Inbound SMS (MO): route by the sender (docs/inbound.md), attach to threads (SPEC §2), store, record the event.

What it decides on is read in one statement (receive_facts.py); storing is receive_store.py.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import cast

import msgspec
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Message, UnroutedMessage
from communicator.db.session import Database
from communicator.schemas import MessageRead, UnroutedRead
from communicator.services.messaging.receive_facts import InboundFacts, get_inbound_facts
from communicator.services.messaging.receive_store import Inbound, is_within_window, record_inbound
from communicator.services.messaging.routing import check_sender, choose_account
from communicator.services.messaging.views import list_message_reads

__all__ = ["Inbound", "is_within_window", "receive_sms", "record_in_account", "unrouted_read"]

_unrouted = cast(Table, UnroutedMessage.__table__)
_INSERT_UNROUTED = insert(_unrouted).returning(_unrouted.c.id)


async def receive_sms(
    db: Database, short_number: str | None, sender: str, text: str, smsc_id: str | None = None
) -> MessageRead | UnroutedRead:
    """Route an MO to its account (or the unrouted inbox) and store it, in one transaction; idempotent per SMSC id."""
    mo = Inbound(
        sender=check_sender(sender),
        text=text,
        received_at=datetime.now(UTC),
        smsc_id=smsc_id,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    async with db.write() as session:
        facts = await get_inbound_facts(session, mo.sender, short_number, smsc_id=smsc_id, text_hash=mo.text_hash)
        if facts.unrouted is not None or facts.message_id is not None:
            return await _read_duplicate(session, facts)
        last_sent_to = facts.last.account_id if facts.last else None
        account_id = choose_account(last_sent_to, facts.employees.keys(), facts.owners)
        if account_id is None:
            return await _record_unrouted(session, short_number, mo)
        return await record_inbound(session, account_id, mo, facts)


async def _read_duplicate(session: AsyncSession, facts: InboundFacts) -> MessageRead | UnroutedRead:
    """What the same MO became the first time: the unrouted entry, or the message (also once assigned)."""
    if facts.unrouted is not None:
        unrouted_id, message_id = facts.unrouted
        if message_id is None:
            return unrouted_read(await session.get_one(UnroutedMessage, unrouted_id))
    else:
        message_id = facts.message_id
    return (await list_message_reads(session, [await session.get_one(Message, message_id)]))[0]


async def _record_unrouted(session: AsyncSession, short_number: str | None, mo: Inbound) -> UnroutedRead:
    """Keep an MO no account could be chosen for, for a platform admin to assign."""
    row = {"short_number": short_number, **msgspec.structs.asdict(mo)}
    unrouted_id = (await session.execute(_INSERT_UNROUTED, row)).scalar_one()
    return UnroutedRead(
        id=unrouted_id, short_number=short_number, sender=mo.sender, text=mo.text, received_at=mo.received_at
    )


def unrouted_read(row: UnroutedMessage) -> UnroutedRead:
    """An unrouted message as the platform inbox shows it."""
    return UnroutedRead(
        id=row.id, short_number=row.short_number, sender=row.sender, text=row.text, received_at=row.received_at
    )


async def record_in_account(session: AsyncSession, account_id: int, mo: Inbound) -> MessageRead:
    """Store an MO as the given account's inbound message, attach it to its threads and record the event."""
    facts = await get_inbound_facts(session, mo.sender, account_id=account_id)
    return await record_inbound(session, account_id, mo, facts)
