"""Numbers outside the staff: each has a contact row (unnamed until added to the directory) and its own thread."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Contact, Thread
from communicator.db.session import dialect_insert
from communicator.domain import ThreadKind

# Rows per statement: well under SQLite's bound-parameter limit.
_CHUNK = 2000


async def record_contact_threads(session: AsyncSession, account_id: int, phones: Sequence[str]) -> dict[str, int]:
    """The thread of each number, recording its contact and thread first when new."""
    threads: dict[str, int] = {}
    unique = sorted(set(phones))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        contacts = [{"account_id": account_id, "phone": phone, "note": ""} for phone in chunk]
        await session.execute(dialect_insert(session, Contact).values(contacts).on_conflict_do_nothing())
        ids_query = select(Contact.id, Contact.phone).where(Contact.account_id == account_id, Contact.phone.in_(chunk))
        by_id = {contact_id: phone for contact_id, phone in await session.execute(ids_query)}
        rows = [{"account_id": account_id, "kind": ThreadKind.CONTACT, "ref_id": c} for c in by_id]
        await session.execute(dialect_insert(session, Thread).values(rows).on_conflict_do_nothing())
        thread_query = select(Thread.id, Thread.ref_id).where(
            Thread.account_id == account_id, Thread.kind == ThreadKind.CONTACT, Thread.ref_id.in_(by_id)
        )
        threads.update({by_id[ref_id]: thread_id for thread_id, ref_id in await session.execute(thread_query)})
    return threads
