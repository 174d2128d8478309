"""One process's live events to its WebSockets: one subscription and one task per account. See docs/events.md.

Each published event is filtered once per visibility class (`SHARED_FRAMES`) and its frame written to every
live socket of the class by `ws_wire` writers, with no task or queue per socket. A socket that is replaying or
re-checking its access holds the events that arrive meanwhile and sends them through its fresh view afterwards,
so none is lost, repeated or shown through a stale view.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.subscriber import Subscriber

from communicator.api.ws_wire import SocketWriter, WireFrame, get_wire_frame
from communicator.events import ACCESS_CHANGED_FRAME, channel_for
from communicator.events.fanout import PER_VIEW, SHARED_FRAMES
from communicator.events.visibility import EventView, get_frame_type
from communicator.metrics import observe_frame_sent
from communicator.pubsub import CATCH_UP_FRAME

log = logging.getLogger(__name__)
RECHECK = "recheck"  # access may have changed: re-check the session and recompute the view
BEHIND = "behind"  # events for it were lost or it stopped reading: close 4408, the client catches up


_Grouping = tuple[list["Listener"], list[list[tuple["Listener", int]]]]


class _EventId(msgspec.Struct):
    """Just the id of a published frame."""

    id: int = 0


_id_decoder = msgspec.json.Decoder(_EventId)


class Listener:
    """One socket in the fan-out: its writer, its view while live, and the events it holds while it is not."""

    __slots__ = ("_waiter", "feed", "held", "max_held", "sent", "turn", "view", "wanted", "writer")

    def __init__(self, feed: AccountFeed, writer: SocketWriter, max_held: int) -> None:
        self.feed = feed
        self.writer = writer
        self.max_held = max_held
        self.view: EventView | None = None
        self.sent: set[int] = set()  # ids the replay sent: never again
        self.held: deque[bytes] | None = deque()  # None while live
        self.turn = 0  # counts hold() calls: a frame computed for an earlier turn may be for a stale view
        self.wanted: str | None = None
        self._waiter: asyncio.Future[None] | None = None

    def hold(self) -> None:
        """Stop writing live frames; keep the events that arrive until `go_live`."""
        if self.held is None:
            self.held = deque()
            self.turn += 1
            self.feed.grouping = None

    def keep(self, data: bytes) -> None:
        """Hold one event (while not live); too many held and the socket is behind."""
        assert self.held is not None
        if len(self.held) >= self.max_held:
            self.want(BEHIND)
        else:
            self.held.append(data)

    def want(self, what: str) -> None:
        """Ask the socket's handler to re-check or close (closing wins)."""
        if self.wanted != BEHIND:
            self.wanted = what
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self) -> str:
        """What the fan-out asks of the handler (RECHECK or BEHIND), once it asks."""
        if self.wanted is None:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        wanted = self.wanted
        if wanted != BEHIND:  # behind stays: nothing more is written to a socket being closed
            self.wanted = None
        return wanted or RECHECK

    def write(self, frame: WireFrame, event_id: int) -> None:
        """Write a live frame unless the replay sent it; a writer that reports the client behind stops it here."""
        if self.wanted == BEHIND or (self.sent and event_id in self.sent):
            return
        if not self.writer.write(frame):
            self.want(BEHIND)

    async def write_own(self, data: bytes, event_id: int) -> None:
        """Filter one event through this socket's own view and write it."""
        assert self.view is not None
        text = await SHARED_FRAMES.get_frame(self.view, data)
        if text is not None:
            self.write(get_wire_frame(text), event_id)
            observe_frame_sent(text)

    async def go_live(self, view: EventView) -> None:
        """Send the held events through `view`, then take live frames; stops early once asked to re-check or close."""
        self.view = view
        assert self.held is not None
        while self.held and self.wanted is None:
            data = self.held.popleft()
            await self.write_own(data, _id_decoder.decode(data).id)
        if self.wanted is None:
            self.held = None
            self.feed.grouping = None


class AccountFeed:
    """One account's subscription in this process and the task that hands its events to the account's sockets.

    Every `recheck_seconds`, and on access.changed, all its sockets re-check their access in one round; sockets
    with the same credential share one look-up per round (`lookups`, started after the round began).
    """

    def __init__(self, subscriber: Subscriber, max_backlog: int, recheck_seconds: float) -> None:
        self.subscriber = subscriber
        self.max_backlog = max_backlog
        self.recheck_seconds = recheck_seconds
        self.listeners: dict[Listener, None] = {}  # in connection order
        self.grouping: _Grouping | None = None  # made again after any socket joins, leaves, holds or goes live
        self.lookups: dict[object, asyncio.Future[Any]] = {}  # this round's, by credential (see api/ws.py)
        loop = asyncio.get_running_loop()
        self.task = loop.create_task(self._run())
        self._timer = loop.call_later(recheck_seconds, self._recheck_all)

    def stop(self) -> None:
        """Stop dispatching and re-checking (the subscription is ended by the hub)."""
        self.task.cancel()
        self._timer.cancel()

    def _recheck_all(self) -> None:
        """The periodic round: a safety net behind access.changed (a lost publish, an expired session)."""
        self._want_from_all(RECHECK)
        self._timer = asyncio.get_running_loop().call_later(self.recheck_seconds, self._recheck_all)

    async def _run(self) -> None:
        """Dispatch every event; if the subscriber's queue overflowed, every socket catches up on its own."""
        async for data in self.subscriber.iter_events():
            if self.subscriber.qsize >= self.max_backlog - 1:  # the queue was full: some events may be lost
                self._want_from_all(BEHIND)
                continue
            try:
                await self._dispatch(data)
            except Exception:
                log.exception("a live event could not be filtered; its sockets catch up from the event log")
                self._want_from_all(BEHIND)

    def _want_from_all(self, what: str) -> None:
        """Ask every socket of the account to re-check (a new round) or close."""
        if what == RECHECK:
            self.lookups = {}
        for listener in list(self.listeners):
            if what == RECHECK:
                listener.hold()
            listener.want(what)

    def _group(self) -> _Grouping:
        """The sockets that hold events, and the live ones by visibility class (with their turn)."""
        holding: list[Listener] = []
        classes: dict[object, list[tuple[Listener, int]]] = {}
        for listener in self.listeners:
            if listener.held is not None:
                holding.append(listener)
            else:
                view = listener.view
                assert view is not None
                key = (view.reach, view.actor.role, view.actor.user_id)
                classes.setdefault(key, []).append((listener, listener.turn))
        return holding, list(classes.values())

    async def _dispatch(self, data: bytes) -> None:
        """Hand one published event to every socket: held by those not live, one frame per class for the rest."""
        if data == CATCH_UP_FRAME:  # Redis came back: live events may be missing
            self._want_from_all(BEHIND)
            return
        if data == ACCESS_CHANGED_FRAME:  # internal, never forwarded
            self._want_from_all(RECHECK)
            return
        if self.grouping is None:
            self.grouping = self._group()
        holding, classes = self.grouping
        for listener in holding:
            listener.keep(data)
        event_id = _id_decoder.decode(data).id
        per_view = get_frame_type(data) in PER_VIEW
        for members in classes:
            if per_view:
                for listener, turn in members:
                    await _write_late(listener, turn, data, event_id)
            else:
                await _write_class(members, data, event_id)


async def _write_class(members: list[tuple[Listener, int]], data: bytes, event_id: int) -> None:
    """Compute the class's frame once (through its first socket's view) and write it to every member."""
    first = members[0][0]
    assert first.view is not None
    text = await SHARED_FRAMES.get_frame(first.view, data)
    frame = get_wire_frame(text) if text is not None else None
    for listener, turn in members:
        if listener.turn != turn or listener.held is not None:
            await _write_late(listener, turn, data, event_id)  # it re-checked meanwhile: its view may differ now
        elif frame is not None:
            listener.write(frame, event_id)
    if text is not None:
        observe_frame_sent(text)  # once per class: a sample per browser would cost as much as the write itself


async def _write_late(listener: Listener, turn: int, data: bytes, event_id: int) -> None:
    """One socket's own frame: held if it is not live, else filtered through its current view."""
    if listener.held is not None:
        listener.keep(data)
    elif listener.wanted != BEHIND:
        await listener.write_own(data, event_id)


class SocketHub:
    """The process's account feeds (one per app, made on first use on the app's loop)."""

    def __init__(self, channels: ChannelsPlugin, channel_prefix: str, max_backlog: int, recheck_seconds: float) -> None:
        self.channels = channels
        self.channel_prefix = channel_prefix
        self.max_backlog = max_backlog
        self.recheck_seconds = recheck_seconds
        self.feeds: dict[int, AccountFeed] = {}
        self._subscribing = asyncio.Lock()

    async def add(self, account_id: int, writer: SocketWriter) -> Listener:
        """A new socket, holding events from now on (subscribed before it is accepted: none slips past it)."""
        async with self._subscribing:
            feed = self.feeds.get(account_id)
            if feed is None:
                subscriber = await self.channels.subscribe([channel_for(self.channel_prefix, account_id)])
                feed = self.feeds[account_id] = AccountFeed(subscriber, self.max_backlog, self.recheck_seconds)
            listener = Listener(feed, writer, self.max_backlog)
            feed.listeners[listener] = None
            feed.grouping = None
            return listener

    async def remove(self, account_id: int, listener: Listener) -> None:
        """Forget a socket; the account's last one in this process ends its subscription."""
        feed = self.feeds.get(account_id)
        if feed is None or feed.listeners.pop(listener, False) is False:
            return
        feed.grouping = None
        if feed.listeners:
            return
        del self.feeds[account_id]
        feed.stop()
        await self.channels.unsubscribe(feed.subscriber)

    def list_listeners(self) -> list[Listener]:
        """Every socket of every account (for tests and metrics)."""
        return [listener for feed in self.feeds.values() for listener in feed.listeners]
