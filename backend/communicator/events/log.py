"""The event log: record in the writer's transaction, prune, list after an id. See docs/events.md."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

import msgspec
from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Event as EventRow
from communicator.db.session import Database, execute_dml, get_after_commit, insert_returning_ids
from communicator.events.types import AnyEvent, Resync
from communicator.events.webhooks import record_webhook_call

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AnyEvent)


class Published(msgspec.Struct, frozen=True):
    """An event on its way to the channels backend after commit."""

    account_id: int
    id: int
    data: bytes


def channel_for(prefix: str, account_id: int) -> str:
    """The channel an account's events travel on."""
    return f"{prefix}:account:{account_id}"


async def record_event(session: AsyncSession, account_id: int, event: AnyEvent) -> int:
    """Store the event in the current transaction and queue it for publishing after commit."""
    return (await record_events(session, [(account_id, event)]))[0]


async def record_events(session: AsyncSession, events: Sequence[tuple[int, AnyEvent]]) -> list[int]:
    """Store (account id, event) pairs in one statement and queue them for publishing after commit; their ids."""
    pending = get_after_commit(session)  # refuses a read session before anything is written
    if session.get_bind().dialect.name == "postgresql" and not session.info.get("event_lock"):
        # Serialise event writers so ids commit in id order; catch-up relies on that. Once per transaction:
        # a group commit's savepoint that rolls back releases the lock and the flag with it.
        await session.execute(text("SELECT pg_advisory_xact_lock(4938)"))
        session.info["event_lock"] = True
    now = datetime.now(UTC)
    rows = [
        {
            "account_id": account_id,
            "type": type(event).__struct_config__.tag,
            "payload": _encoder.encode(event).decode(),
            "created_at": now,
        }
        for account_id, event in events
    ]
    # Ids in the order of the rows: published frames carry them and catch-up reads by them.
    ids = await insert_returning_ids(session, cast(Table, EventRow.__table__), rows)
    for row_id, (account_id, event) in zip(ids, events, strict=True):
        await record_webhook_call(session, account_id, event)
        data = _encoder.encode(msgspec.structs.replace(event, id=row_id))
        pending.events.append(Published(account_id, row_id, data))
    return ids


def encode_stored(row_id: int, payload: str) -> bytes:
    """The wire frame of a stored event, with its id filled in."""
    event = _decoder.decode(payload)
    return _encoder.encode(msgspec.structs.replace(event, id=row_id))


RESYNC_FRAME = _encoder.encode(Resync())
# Internal, never sent to browsers: who may see what in this account changed (permissions, users,
# groups, employees). Each open WebSocket re-checks its session and recomputes its reach.
ACCESS_CHANGED_FRAME = b'{"type":"access.changed","id":0}'


def note_access_changed(session: AsyncSession, account_id: int) -> None:
    """After this transaction commits, tell the account's open WebSockets to re-check their access."""
    pending = get_after_commit(session).events
    if not any(p.id == 0 and p.account_id == account_id for p in pending):
        pending.append(Published(account_id, 0, ACCESS_CHANGED_FRAME))


async def get_last_event_id(session: AsyncSession) -> int:
    """The newest recorded event id (0 when none)."""
    return (await session.execute(select(func.coalesce(func.max(EventRow.id), 0)))).scalar_one()


async def list_events_after(db: Database, account_id: int, after: int, limit: int) -> list[tuple[int, str]] | None:
    """The account's stored events after an id, oldest first, as (id, payload); None when the client must resync.

    Resync when events after `after` were pruned already, or when more than `limit` events (of any account)
    followed it: the client refetching is cheaper than the replay.
    """
    async with db.read() as session:
        bounds = (await session.execute(select(func.min(EventRow.id), func.max(EventRow.id)))).one()
        oldest: int | None = bounds[0]  # None: no events at all
        newest: int | None = bounds[1]
        if (oldest is not None and after < oldest - 1) or (newest or 0) - after > limit:
            return None
        query = (
            select(EventRow.id, EventRow.payload)
            .where(EventRow.id > after, EventRow.account_id == account_id)
            .order_by(EventRow.id)
        )
        return [(row_id, payload) for row_id, payload in (await session.execute(query)).all()]


async def prune_events(db: Database, keep: int) -> int:
    """Delete all but the newest `keep` events; clients further behind get `resync`. Returns rows deleted."""
    async with db.write() as session:
        newest = await get_last_event_id(session)
        # Keep at least the newest event: SQLite would otherwise hand out ids that clients have already passed.
        cutoff = newest - max(keep, 1)
        return await execute_dml(session, delete(EventRow).where(EventRow.id <= cutoff))
