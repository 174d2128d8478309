"""GET /ws: live events with catch-up from `last_event_id`, filtered by what the user may see. See docs/events.md.

Close codes: 4401 the session (or API token) stopped working; 4408 the client fell too far behind (it reconnects
with its last_event_id). A foreign Origin never gets a socket: the handshake is refused with HTTP 403.
"""

from __future__ import annotations

import asyncio
import logging

import anyio
import msgspec
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.subscriber import Subscriber
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect

from communicator.api.params import QueryCursor
from communicator.api.security import Credential, get_credential_actor
from communicator.db.session import Database
from communicator.events import ACCESS_CHANGED_FRAME, RESYNC_FRAME, channel_for, encode_stored, list_events_after
from communicator.events.fanout import SHARED_FRAMES
from communicator.events.visibility import EventView, load_event_view
from communicator.metrics import WEBSOCKET_CLIENTS, observe_frame_sent
from communicator.pubsub import CATCH_UP_FRAME

log = logging.getLogger(__name__)
REPLAY_LIMIT = 5000
# A safety net behind access.changed (a lost publish, an expired session): re-check this often.
RECHECK_SECONDS = 60.0
SESSION_ENDED = 4401
FELL_BEHIND = 4408
# At most this many sockets load their view and replay at once, so a reconnect storm leaves readers for HTTP.
CONNECTING_AT_ONCE = 4


class _EventId(msgspec.Struct):
    """Just the id of a published frame."""

    id: int = 0


_id_decoder = msgspec.json.Decoder(_EventId)


async def _replay(db: Database, socket: WebSocket, view: EventView, after: int) -> set[int]:
    """Send the stored events after `after` this user may see (or `resync`); returns every id read."""
    rows = await list_events_after(db, view.actor.account_id, after, REPLAY_LIMIT)
    if rows is None:
        await socket.send_data(RESYNC_FRAME)
        return set()
    for row_id, payload in rows:
        frame = await view.get_frame(encode_stored(row_id, payload))
        if frame is not None:
            await socket.send_data(frame)
    return {row_id for row_id, _ in rows}


def _connect_gate(socket: WebSocket) -> anyio.Semaphore:
    """The process's limit on sockets in their connection phase (made on first use, on the app's loop)."""
    gate: anyio.Semaphore | None = getattr(socket.app.state, "ws_connect_gate", None)
    if gate is None:
        gate = socket.app.state.ws_connect_gate = anyio.Semaphore(CONNECTING_AT_ONCE)
    return gate


async def _watch_disconnect(socket: WebSocket, cancel: anyio.CancelScope) -> None:
    """Read (and ignore) client frames until it goes away, then stop the stream."""
    try:
        while True:
            await socket.receive_data(mode="text")
    except WebSocketDisconnect:
        pass
    finally:
        cancel.cancel()


async def _request_rechecks(subscriber: Subscriber) -> None:
    """Every RECHECK_SECONDS, queue an access check behind the events already waiting."""
    while True:
        await anyio.sleep(RECHECK_SECONDS)
        subscriber.put_nowait(ACCESS_CHANGED_FRAME)


async def _sent_in_time(socket: WebSocket, frame: bytes) -> bool:
    """Send a frame; False when the client has not taken it within ws_send_timeout_seconds (it is not reading)."""
    # asyncio.timeout, not anyio.move_on_after: this runs once per socket per event, and a cancel scope costs more.
    try:
        async with asyncio.timeout(socket.app.state.settings.ws_send_timeout_seconds):
            await socket.send_data(frame)
    except TimeoutError:
        return False
    return True


async def _close_behind(socket: WebSocket) -> None:
    """Close a socket that fell too far behind (4408); its client reconnects and catches up from last_event_id."""
    log.info("closing the WebSocket of %s: it fell too far behind", socket.user.login)
    with anyio.move_on_after(socket.app.state.settings.ws_send_timeout_seconds):  # one that never reads never will
        await socket.close(code=FELL_BEHIND, reason="Too far behind; reconnect with last_event_id")


async def _stream(socket: WebSocket, subscriber: Subscriber, view: EventView, sent: set[int]) -> None:
    """Forward live events through the view until the client leaves, falls behind or its session ends."""
    credential: Credential = socket.auth
    # Litestar keeps at most this many events per subscriber (dropping the oldest): memory stays bounded.
    max_backlog = socket.app.state.settings.ws_max_backlog
    async for data in subscriber.iter_events():
        if subscriber.qsize >= max_backlog - 1:  # the queue was full when this one was taken: some may be lost
            await _close_behind(socket)
            return
        if data == CATCH_UP_FRAME:  # Redis came back: live events may be missing; the client catches up
            await _close_behind(socket)
            return
        if data == ACCESS_CHANGED_FRAME:
            # Internal, never forwarded: re-check the session and recompute what this user sees.
            actor = await get_credential_actor(socket.app.state, credential)
            if actor is None:
                await socket.close(code=SESSION_ENDED, reason="Session ended")
                return
            fresh = await load_event_view(view.db, actor)
            if fresh.reach != view.reach:
                await socket.send_data(RESYNC_FRAME)  # what they see changed: the client refetches it all
            view = fresh
            continue
        if sent and _id_decoder.decode(data).id in sent:
            continue
        frame = await SHARED_FRAMES.get_frame(view, data)
        if frame is None:
            continue
        if not await _sent_in_time(socket, frame):
            await _close_behind(socket)
            return
        observe_frame_sent(data)


@websocket("/ws", opt={"exclude_from_auth": False, "scope": "messages:read"})
async def events_socket(
    socket: WebSocket,
    db: NamedDependency[Database],
    channels: NamedDependency[ChannelsPlugin],
    last_event_id: QueryCursor = None,
) -> None:
    """Subscribe first, replay what was missed, then stream live events without repeating any."""
    # Subscribe before accepting: once the client sees the socket open, no live event can slip past it.
    channel = channel_for(socket.app.state.settings.channel_prefix, socket.user.account_id)
    subscriber = await channels.subscribe([channel])
    counted = False
    try:
        await socket.accept()
        WEBSOCKET_CLIENTS.inc()
        counted = True
        async with _connect_gate(socket):
            view = await load_event_view(db, socket.user)
            sent = await _replay(db, socket, view, last_event_id) if last_event_id is not None else set()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_watch_disconnect, socket, tasks.cancel_scope)
            tasks.start_soon(_request_rechecks, subscriber)
            await _stream(socket, subscriber, view, sent)
            tasks.cancel_scope.cancel()
    except WebSocketDisconnect:
        pass
    finally:
        if counted:
            WEBSOCKET_CLIENTS.dec()
        await channels.unsubscribe(subscriber)
