"""One filtered frame per event and visibility class, shared by every socket of that class. See docs/events.md.

Every socket of an account receives the same published bytes. What `EventView.get_frame` makes of them depends
only on the account, the user's reach and role and, for read marks and exports, who they are: the
first socket of each such class computes the frame (decode, redact, summary, encode) and the others await it.
A thread.updated frame also updates each view's thread map, so every view decodes it itself.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from communicator.events.types import ExportUpdated, ThreadMarkedRead, ThreadUpdated
from communicator.events.visibility import ACCOUNT_WIDE, EventView, get_frame_type
from communicator.services.core.permissions import Reach

# How many recent events keep their frames; a socket further behind than this computes its own.
KEPT_EVENTS = 64
PER_VIEW = frozenset({str(ThreadUpdated.__struct_config__.tag).encode()})
_PER_USER = frozenset(str(t.__struct_config__.tag).encode() for t in (ThreadMarkedRead, ExportUpdated))

_ClassKey = tuple[Reach, str, int | None]


class SharedFrames:
    """The recent events' frames per visibility class, computed once each (one per process)."""

    def __init__(self, kept: int = KEPT_EVENTS) -> None:
        self.kept = kept
        self._events: OrderedDict[tuple[object, int, bytes], dict[_ClassKey, asyncio.Future[bytes | None]]] = (
            OrderedDict()
        )

    async def get_frame(self, view: EventView, data: bytes) -> bytes | None:
        """The frame as this view's user may see it, computed by the first view of their class."""
        kind = get_frame_type(data)
        if view.reach.everyone and kind in ACCOUNT_WIDE:
            return data
        if kind is None or kind in PER_VIEW:
            return await view.get_frame(data)
        classes = self._classes(view, data)
        # The role, not just is_admin: templates go to sending roles only, and a BaseUser's reach can equal an Operator's.
        key = (view.reach, view.actor.role, view.actor.user_id if kind in _PER_USER else None)
        shared = classes.get(key)
        if shared is not None:
            try:
                return await asyncio.shield(shared)
            except Exception:  # noqa: BLE001 - the computing socket's failure; this one tries on its own
                return await view.get_frame(data)
        shared = asyncio.get_running_loop().create_future()
        classes[key] = shared
        try:
            frame = await view.get_frame(data)
        except BaseException as error:
            del classes[key]  # later sockets compute their own
            shared.set_exception(error if isinstance(error, Exception) else RuntimeError("cancelled"))
            shared.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        shared.set_result(frame)
        return frame

    def _classes(self, view: EventView, data: bytes) -> dict[_ClassKey, asyncio.Future[bytes | None]]:
        """The frames of one event by class, the oldest event forgotten beyond `kept`."""
        # The database too: two apps in one process (tests) may publish equal bytes for their own account 1.
        event_key = (view.db, view.actor.account_id, data)
        classes = self._events.get(event_key)
        if classes is None:
            classes = self._events[event_key] = {}
            while len(self._events) > self.kept:
                self._events.popitem(last=False)
        return classes


SHARED_FRAMES = SharedFrames()
