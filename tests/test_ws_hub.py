"""The process's fan-out (api/ws_fanout.py): one frame per class written to every live socket, held events
sent through the fresh view, re-checks and catch-up asked of every socket. Sockets here are fake writers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import msgspec
from msgspec.structs import replace

from communicator.api.ws_fanout import BEHIND, RECHECK, AccountFeed, Listener
from communicator.api.ws_wire import QueuedWriter, WireFrame
from communicator.events import ACCESS_CHANGED_FRAME
from communicator.pubsub import CATCH_UP_FRAME
from communicator.services.core.permissions import EVERYONE, Reach
from tests.test_event_filter import ADMIN, FITTERS, OPERATOR, created
from tests.test_ws_fanout import FEWER, OTHER_OPERATOR, CountingView, alone, inbound

ELSEWHERE = Reach(everyone=False, employee_ids=frozenset({2}))  # not employee 1: not thread 10


class FakeSubscriber:
    """What AccountFeed reads of a Litestar subscriber: published events in order."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    @property
    def qsize(self) -> int:
        """Events not taken yet."""
        return self.queue.qsize()

    async def iter_events(self) -> AsyncIterator[bytes]:
        """Every published event."""
        while True:
            yield await self.queue.get()


class FakeWriter:
    """Records the frames written; refuses (the client is behind) after `room` of them."""

    def __init__(self, room: int = 1000) -> None:
        self.texts: list[bytes] = []
        self.room = room

    def write(self, frame: WireFrame) -> bool:
        """Take the frame; False once the room is used up."""
        self.texts.append(frame.text)
        return len(self.texts) < self.room


async def until(condition: Callable[[], bool]) -> None:
    """Wait for the feed's task to make the condition true."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.001)


def join(feed: AccountFeed, room: int = 1000) -> tuple[Listener, FakeWriter]:
    """A new socket of the feed, holding events until it goes live."""
    writer = FakeWriter(room)
    listener = Listener(feed, writer, 10)  # type: ignore[arg-type]  # duck-typed SocketWriter
    feed.listeners[listener] = None
    feed.grouping = None
    return listener, writer


async def feed_with(*views: CountingView) -> tuple[AccountFeed, FakeSubscriber, list[FakeWriter]]:
    """A feed whose sockets are live through these views."""
    subscriber = FakeSubscriber()
    feed = AccountFeed(subscriber, 100, 3600)  # type: ignore[arg-type]
    writers = []
    for view in views:
        listener, writer = join(feed)
        await listener.go_live(view)
        writers.append(writer)
    return feed, subscriber, writers


async def test_each_class_is_computed_once_and_every_socket_gets_what_it_would_alone() -> None:
    views = [CountingView(OPERATOR, FITTERS) for _ in range(3)] + [CountingView(OPERATOR, FEWER)]
    views.append(CountingView(ADMIN, EVERYONE))
    feed, subscriber, writers = await feed_with(*views)
    data = inbound(10, 12, 13)
    subscriber.queue.put_nowait(data)
    await until(lambda: all(w.texts for w in writers))
    feed.stop()
    assert [w.texts for w in writers[:3]] == [[await alone(OPERATOR, FITTERS, data)]] * 3
    assert writers[3].texts == [await alone(OPERATOR, FEWER, data)]
    assert writers[4].texts == [data]
    assert sum(v.computed for v in views[:3]) == 1


async def test_a_socket_holds_events_until_live_then_sends_them_through_its_view_skipping_the_replayed() -> None:
    feed, subscriber, _ = await feed_with()
    listener, writer = join(feed)
    listener.sent = {2}
    for event_id, threads in ((1, (10,)), (2, (12,)), (3, (13,))):
        subscriber.queue.put_nowait(msgspec.json.encode(replace(created(*threads, direction="in"), id=event_id)))
    await until(lambda: listener.held is not None and len(listener.held) == 3)
    assert writer.texts == []
    await listener.go_live(CountingView(OTHER_OPERATOR, FEWER))
    assert [msgspec.json.decode(text)["id"] for text in writer.texts] == [1]  # 2 was replayed; 3 is not visible
    feed.stop()


async def test_access_changed_holds_every_socket_and_asks_it_to_recheck() -> None:
    feed, subscriber, writers = await feed_with(CountingView(OPERATOR, FITTERS), CountingView(ADMIN, EVERYONE))
    listeners = list(feed.listeners)
    subscriber.queue.put_nowait(ACCESS_CHANGED_FRAME)
    subscriber.queue.put_nowait(inbound(10))
    await until(lambda: all(listener.held for listener in listeners))
    assert [w.texts for w in writers] == [[], []]  # the event after access.changed waits for the new view
    assert [await listener.wait() for listener in listeners] == [RECHECK, RECHECK]
    await listeners[0].go_live(CountingView(OPERATOR, ELSEWHERE))  # narrowed meanwhile: thread 10 is gone
    assert writers[0].texts == []
    feed.stop()


async def test_a_socket_that_falls_behind_gets_nothing_more_and_catch_up_closes_all() -> None:
    feed, subscriber, writers = await feed_with(CountingView(ADMIN, EVERYONE))
    slow, slow_writer = join(feed, room=1)
    await slow.go_live(CountingView(ADMIN, EVERYONE))
    for _ in range(3):
        subscriber.queue.put_nowait(inbound(10))
    await until(lambda: len(writers[0].texts) == 3)
    assert len(slow_writer.texts) == 1 and await slow.wait() == BEHIND
    assert await slow.wait() == BEHIND  # it stays behind while its handler closes it
    subscriber.queue.put_nowait(CATCH_UP_FRAME)
    await until(lambda: all(listener.wanted == BEHIND for listener in feed.listeners))
    feed.stop()


class FakeSocket:
    """Records what `send_data` sent; each send yields once, as a real one would."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send_data(self, data: bytes) -> None:
        """Send one frame."""
        await asyncio.sleep(0)
        self.sent.append(data)


async def test_under_another_server_frames_queue_in_order_and_a_full_queue_is_behind() -> None:
    socket = FakeSocket()
    writer = QueuedWriter(socket, max_backlog=2)  # type: ignore[arg-type]
    assert writer.write(WireFrame(b"1")) and writer.write(WireFrame(b"2"))
    assert not writer.write(WireFrame(b"3"))  # two wait already
    await until(lambda: writer.backlog == 0)
    assert writer.write(WireFrame(b"4"))
    await until(lambda: writer.backlog == 0)
    assert socket.sent == [b"1", b"2", b"4"]
