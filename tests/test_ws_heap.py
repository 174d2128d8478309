"""SocketHeap: settled sockets' objects leave the collector's walk; what they leave behind is still collected."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref

from communicator.api.ws_heap import FREEZE_DELAY_SECONDS, THAW_AFTER_CLOSES, SocketHeap


class _Node:
    """A weak-referenceable object that can sit in a reference cycle."""

    other: _Node | None = None


def _make_cycle() -> tuple[_Node, weakref.ref[_Node]]:
    """Two objects that reach each other (a cycle once the caller drops the first), and a weak reference to it."""
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return first, weakref.ref(first)


async def _wait_frozen(heap: SocketHeap) -> None:
    """Until the heap's scheduled freeze has run."""
    deadline = time.monotonic() + FREEZE_DELAY_SECONDS + 5
    while heap.pending is not None:
        assert time.monotonic() < deadline, "the freeze never ran"
        await asyncio.sleep(0.05)


async def _make_frozen_garbage(heap: SocketHeap) -> weakref.ref[_Node]:
    """A cycle frozen by the heap while alive, then dropped: garbage the collector no longer walks."""
    alive, cycle = _make_cycle()
    heap.record_open()
    await _wait_frozen(heap)
    del alive
    return cycle


async def test_a_connect_freezes_what_is_alive_and_one_freeze_serves_a_burst() -> None:
    heap = SocketHeap()
    gc.unfreeze()
    heap.record_open()
    first = heap.pending
    heap.record_open()
    assert heap.pending is first  # a burst of connects is one freeze
    await _wait_frozen(heap)
    assert gc.get_freeze_count() > 0


async def test_cycles_left_by_closed_sockets_are_collected_after_enough_closes() -> None:
    heap = SocketHeap()
    cycle = await _make_frozen_garbage(heap)
    gc.collect()
    assert cycle() is not None  # frozen: a full collection skips it
    for _ in range(THAW_AFTER_CLOSES - 1):
        heap.record_close(still_open=0)
    gc.collect()
    assert cycle() is not None
    heap.record_close(still_open=0)
    assert cycle() is None
    assert gc.get_freeze_count() > 0  # frozen again right after


async def test_no_thaw_while_more_sockets_are_open_than_have_closed() -> None:
    heap = SocketHeap()
    cycle = await _make_frozen_garbage(heap)
    for _ in range(THAW_AFTER_CLOSES):
        heap.record_close(still_open=THAW_AFTER_CLOSES * 2)
    gc.collect()
    assert cycle() is not None
    gc.unfreeze()
    gc.collect()
    assert cycle() is None
