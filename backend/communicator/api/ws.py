"""GET /ws: live events with catch-up from `last_event_id`, filtered by what the user may see. See docs/events.md.

Close codes: 4401 the session (or API token) stopped working; 4408 the client fell too far behind (it reconnects
with its last_event_id). A foreign Origin never gets a socket: the handshake is refused with HTTP 403.
"""

from __future__ import annotations

import asyncio
import logging

import anyio
from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect

from communicator.api.params import QueryCursor
from communicator.api.security import Credential, get_credential_actor
from communicator.api.ws_fanout import BEHIND, Listener, SocketHub
from communicator.api.ws_heap import SocketHeap
from communicator.api.ws_wire import make_writer
from communicator.db.session import Database
from communicator.events import RESYNC_FRAME, encode_stored, list_events_after
from communicator.events.visibility import EventView, load_event_view
from communicator.metrics import WEBSOCKET_CLIENTS
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import Reach

log = logging.getLogger(__name__)
REPLAY_LIMIT = 5000
# Every socket re-checks its session and reach this often: a safety net behind access.changed.
RECHECK_SECONDS = 60.0
SESSION_ENDED = 4401
FELL_BEHIND = 4408
# At most this many sockets load their view and replay at once, so a reconnect storm leaves readers for HTTP.
CONNECTING_AT_ONCE = 4


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


def _get_heap(socket: WebSocket) -> SocketHeap:
    """The process's collector tuning for open sockets (made on first use)."""
    heap: SocketHeap | None = getattr(socket.app.state, "ws_heap", None)
    if heap is None:
        heap = socket.app.state.ws_heap = SocketHeap()
    return heap


def _get_hub(socket: WebSocket, channels: ChannelsPlugin) -> SocketHub:
    """The process's fan-out for this app (made on first use, on the app's loop)."""
    hub: SocketHub | None = getattr(socket.app.state, "ws_hub", None)
    if hub is None:
        settings = socket.app.state.settings
        hub = SocketHub(channels, settings.channel_prefix, settings.ws_max_backlog, RECHECK_SECONDS)
        socket.app.state.ws_hub = hub
    return hub


async def _close_behind(socket: WebSocket, listener: Listener) -> None:
    """Close a socket that fell too far behind (4408); its client reconnects and catches up from last_event_id."""
    log.info("closing the WebSocket of %s: it fell too far behind", socket.user.login)
    timeout = socket.app.state.settings.ws_send_timeout_seconds
    with anyio.move_on_after(timeout):  # one that never reads never takes the close frame either
        await socket.close(code=FELL_BEHIND, reason="Too far behind; reconnect with last_event_id")
    listener.writer.abort_later(timeout)


async def _look_up(state: State, db: Database, credential: Credential) -> tuple[Actor, Reach] | None:
    """Who the credential stands for now and what they reach, or None when it no longer works."""
    actor = await get_credential_actor(state, credential)
    return None if actor is None else (actor, (await load_event_view(db, actor)).reach)


async def _recheck(socket: WebSocket, listener: Listener, db: Database) -> tuple[Actor, Reach] | None:
    """This round's look-up of the socket's credential, shared with the account's other sockets that use it."""
    credential: Credential = socket.auth
    lookups = listener.feed.lookups
    lookup = lookups.get(credential)
    if lookup is None:
        lookup = lookups[credential] = asyncio.ensure_future(_look_up(socket.app.state, db, credential))
    found: tuple[Actor, Reach] | None = await asyncio.shield(lookup)  # one socket leaving cancels no one else's
    return found


async def _follow(socket: WebSocket, listener: Listener, view: EventView) -> None:
    """Live events through the view until the client falls behind or its session ends; re-check access on demand."""
    while True:
        await listener.go_live(view)
        if await listener.wait() == BEHIND:
            await _close_behind(socket, listener)
            return
        listener.hold()  # events from now on go through the re-checked view
        found = await _recheck(socket, listener, view.db)
        if found is None:
            await socket.close(code=SESSION_ENDED, reason="Session ended")
            return
        actor, reach = found
        if reach != view.reach:
            await socket.send_data(RESYNC_FRAME)  # what they see changed: the client refetches it all
        view = EventView(view.db, actor, reach)


@websocket("/ws", opt={"exclude_from_auth": False, "scope": "messages:read"})
async def events_socket(
    socket: WebSocket,
    db: NamedDependency[Database],
    channels: NamedDependency[ChannelsPlugin],
    last_event_id: QueryCursor = None,
) -> None:
    """Subscribe first, replay what was missed, then stream live events without repeating any."""
    settings = socket.app.state.settings
    hub = _get_hub(socket, channels)
    writer = make_writer(socket, settings.ws_max_backlog, settings.ws_send_timeout_seconds)
    # What the user reached before subscribing: a change from here on is either seen live (access.changed)
    # or by comparing with the view made after subscribing, below.
    before = await load_event_view(db, socket.user)
    # Subscribe before accepting: once the client sees the socket open, no live event can slip past it.
    listener = await hub.add(socket.user.account_id, writer)
    counted = False
    try:
        await socket.accept()
        WEBSOCKET_CLIENTS.inc()
        counted = True
        async with _connect_gate(socket):
            view = await load_event_view(db, socket.user)
            if view.reach != before.reach:  # changed while connecting, before access.changed could reach us
                await socket.send_data(RESYNC_FRAME)
            if last_event_id is not None:
                listener.sent = await _replay(db, socket, view, last_event_id)
        _get_heap(socket).record_open()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_watch_disconnect, socket, tasks.cancel_scope)
            await _follow(socket, listener, view)
            tasks.cancel_scope.cancel()
    except WebSocketDisconnect:
        pass
    finally:
        if counted:
            WEBSOCKET_CLIENTS.dec()
        await hub.remove(socket.user.account_id, listener)
        _get_heap(socket).record_close(len(hub.list_listeners()))
