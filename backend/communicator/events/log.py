"""The event log: record in the writer's transaction, prune, list after an id. See docs/events.md."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Event as EventRow
from communicator.events.types import AnyEvent, Resync

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
    if session.bind.dialect.name == "postgresql" and not session.info.get("event_lock"):
        # Serialise event writers so ids commit in id order; catch-up relies on that. Once per transaction:
        # a group commit's savepoint that rolls back releases the lock and the flag with it.
        await session.execute(text("SELECT pg_advisory_xact_lock(4938)"))
        session.info["event_lock"] = True
    payload = _encoder.encode(event).decode()
    statement = (
        insert(EventRow)
        .values(
            account_id=account_id,
            type=type(event).__struct_config__.tag,
            payload=payload,
            created_at=datetime.now(UTC),
        )
        .returning(EventRow.id)
    )
    row_id = (await session.execute(statement)).scalar_one()
    data = _encoder.encode(msgspec.structs.replace(event, id=row_id))
    session.info.setdefault("events", []).append(Published(account_id, row_id, data))
    return row_id


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
    pending = session.info.setdefault("events", [])
    if not any(p.id == 0 and p.account_id == account_id for p in pending):
        pending.append(Published(account_id, 0, ACCESS_CHANGED_FRAME))


async def get_last_event_id(session: AsyncSession) -> int:
    """The newest recorded event id (0 when none)."""
    return (await session.execute(text("SELECT COALESCE(MAX(id), 0) FROM events"))).scalar_one()


async def prune_events(session: AsyncSession, keep: int) -> int:
    """Delete all but the newest `keep` events; clients further behind get `resync`. Returns rows deleted."""
    newest = await get_last_event_id(session)
    # Keep at least the newest event: SQLite would otherwise hand out ids that clients have already passed.
    cutoff = newest - max(keep, 1)
    result = await session.execute(text("DELETE FROM events WHERE id <= :cutoff"), {"cutoff": cutoff})
    return result.rowcount or 0
