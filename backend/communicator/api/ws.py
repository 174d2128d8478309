"""GET /ws: live events with catch-up from `last_event_id`. See docs/events.md."""

from __future__ import annotations

import anyio
import msgspec
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromQuery
from sqlalchemy import func, select

from communicator.db.models import Event
from communicator.db.session import Database
from communicator.events import RESYNC_FRAME, channel_for, encode_stored
from communicator.services.actors import Actor

REPLAY_LIMIT = 5000


class _EventId(msgspec.Struct):
    """Just the id of a published frame."""

    id: int = 0


_id_decoder = msgspec.json.Decoder(_EventId)


async def _replay(
    db: NamedDependency[Database], socket: WebSocket, actor: NamedDependency[Actor], after: int
) -> set[int]:
    """Send stored events after `after` (or `resync` when they are gone); returns the ids sent."""
    async with db.read() as session:
        oldest = (await session.execute(select(func.min(Event.id)))).scalar_one()
        newest = (await session.execute(select(func.max(Event.id)))).scalar_one() or 0
        gone = oldest is not None and after < oldest - 1
        if gone or newest - after > REPLAY_LIMIT:
            await socket.send_data(RESYNC_FRAME)
            return set()
        query = (
            select(Event.id, Event.payload)
            .where(Event.id > after, Event.account_id == actor.account_id)
            .order_by(Event.id)
        )
        rows = (await session.execute(query)).all()
    for row_id, payload in rows:
        await socket.send_data(encode_stored(row_id, payload))
    return {row_id for row_id, _ in rows}


async def _watch_disconnect(socket: WebSocket, cancel: anyio.CancelScope) -> None:
    """Read (and ignore) client frames until it goes away, then stop the stream."""
    try:
        while True:
            await socket.receive_data(mode="text")
    except WebSocketDisconnect:
        pass
    finally:
        cancel.cancel()


@websocket("/ws", opt={"exclude_from_auth": False})
async def events_socket(
    socket: WebSocket,
    db: NamedDependency[Database],
    channels: NamedDependency[ChannelsPlugin],
    last_event_id: FromQuery[int | None] = None,
) -> None:
    """Subscribe first, replay what was missed, then stream live events without repeating any."""
    actor: Actor = socket.user
    # Subscribe before accepting: once the client sees the socket open, no live event can slip past it.
    subscriber = await channels.subscribe([channel_for(socket.app.state.settings.channel_prefix, actor.account_id)])
    try:
        await socket.accept()
        sent = await _replay(db, socket, actor, last_event_id) if last_event_id is not None else set()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_watch_disconnect, socket, tasks.cancel_scope)
            async for data in subscriber.iter_events():
                if sent and _id_decoder.decode(data).id in sent:
                    continue
                await socket.send_data(data)
    except WebSocketDisconnect:
        pass
    finally:
        await channels.unsubscribe(subscriber)
