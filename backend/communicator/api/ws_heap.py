"""Short full garbage collections while many WebSockets stay open. See docs/events.md, «Garbage collection».

A WebSocket's objects live as long as it does. With 1,000 open, every full collection walked all of them and
held the event loop for 60–200 ms, so the frames of whichever inbound SMS came next waited that long
(bench_ws_latency_1000). A second after sockets connect, their objects are frozen (`gc.freeze`), as the app's
own are at startup, and full collections skip them. Cycles among a frozen socket's objects are not collected
when it closes, so once as many sockets have closed as are open (and at least THAW_AFTER_CLOSES), everything is
unfrozen, collected once and frozen again: one long pause after many closes instead of one every few seconds.
"""

from __future__ import annotations

import asyncio
import gc

FREEZE_DELAY_SECONDS = 1.0
THAW_AFTER_CLOSES = 500


class SocketHeap:
    """Freezes the objects of sockets that have settled; collects frozen garbage after many closes."""

    def __init__(self) -> None:
        self.pending: asyncio.TimerHandle | None = None
        self.closed_since_thaw = 0

    def record_open(self) -> None:
        """A socket has connected: freeze within FREEZE_DELAY_SECONDS (one freeze for a burst of connects)."""
        if self.pending is None:
            self.pending = asyncio.get_running_loop().call_later(FREEZE_DELAY_SECONDS, self._apply_freeze)

    def record_close(self, still_open: int) -> None:
        """A socket has closed: after enough closes, collect what the frozen ones left behind."""
        self.closed_since_thaw += 1
        if self.closed_since_thaw >= max(THAW_AFTER_CLOSES, still_open):
            self.closed_since_thaw = 0
            gc.unfreeze()
            gc.collect()
            self._apply_freeze()

    def _apply_freeze(self) -> None:
        """Move every object alive now out of the collector's generations."""
        self.pending = None
        gc.freeze()
