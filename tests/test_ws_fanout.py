"""Shared frames: one filtered frame per event and visibility class, equal to what each socket would compute."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from communicator.domain import Role
from communicator.events import TemplateDeleted, ThreadMarkedRead, UserCreated
from communicator.events.fanout import SharedFrames
from communicator.events.visibility import EventView
from communicator.schemas import ThreadReadCount, WebUserRead
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import EVERYONE, Reach
from tests.test_event_filter import ADMIN, FITTERS, OPERATOR, THREADS, created

OTHER_OPERATOR = msgspec.structs.replace(OPERATOR, user_id=9, login="fitter-2")
FEWER = Reach(everyone=False, employee_ids=frozenset({1}), group_ids=frozenset())
_encode = msgspec.json.encode


class CountingView(EventView):
    """An EventView that counts how often it computes a frame (threads preloaded: no database)."""

    def __init__(self, actor: Actor, reach: Reach) -> None:
        super().__init__(None, actor, reach)  # type: ignore[arg-type]  # the cases below never read
        self.threads.update(THREADS)
        self.computed = 0

    async def get_frame(self, data: bytes) -> bytes | None:
        """Count, yield once (as a database read would), then compute as usual."""
        self.computed += 1
        await asyncio.sleep(0)
        return await super().get_frame(data)


def inbound(*thread_ids: int) -> bytes:
    """A published inbound message.created (no summary to read)."""
    return _encode(created(*thread_ids, direction="in", employee_id=1))


async def alone(actor: Actor, reach: Reach, data: bytes) -> bytes | None:
    """What one socket computes without sharing."""
    return await CountingView(actor, reach).get_frame(data)


async def test_one_computation_per_class_shared_by_concurrent_sockets() -> None:
    shared = SharedFrames()
    data = inbound(10, 11, 12)
    views = [CountingView(OPERATOR, FITTERS) for _ in range(5)] + [CountingView(OTHER_OPERATOR, FITTERS)]
    frames = await asyncio.gather(*(shared.get_frame(v, data) for v in views))
    assert sum(v.computed for v in views) == 1
    assert all(f is frames[0] for f in frames)
    assert frames[0] == await alone(OPERATOR, FITTERS, data)


async def test_each_reach_gets_its_own_frame_as_computed_alone() -> None:
    shared = SharedFrames()
    data = inbound(10, 12, 13)
    for reach in (FITTERS, FEWER, FITTERS, FEWER):
        assert await shared.get_frame(CountingView(OPERATOR, reach), data) == await alone(OPERATOR, reach, data)
    assert await shared.get_frame(CountingView(OPERATOR, FEWER), inbound(13)) is None  # nothing visible


async def test_everyone_gets_account_wide_frames_untouched() -> None:
    data = inbound(10)
    view = CountingView(ADMIN, EVERYONE)
    assert await SharedFrames().get_frame(view, data) is data
    assert view.computed == 0


async def test_user_events_only_for_administrators_even_when_shared() -> None:
    user = WebUserRead(
        id=3, login="new", name="Новый", role=Role.OPERATOR, employee_id=None, active=True, may_send_all=False
    )
    data = _encode(UserCreated(id=9, user=user))
    shared = SharedFrames()
    everyone_operator = msgspec.structs.replace(OPERATOR, may_send_all=True)
    assert await shared.get_frame(CountingView(ADMIN, EVERYONE), data) == data
    assert await shared.get_frame(CountingView(everyone_operator, EVERYONE), data) is None


async def test_read_marks_stay_per_user_in_one_class() -> None:
    mark = ThreadMarkedRead(
        id=8, user_id=OPERATOR.user_id, message_ids=[7], threads=[ThreadReadCount(thread_id=12, read=1)]
    )
    data = _encode(mark)
    shared = SharedFrames()
    assert await shared.get_frame(CountingView(OPERATOR, FITTERS), data) == data
    assert await shared.get_frame(CountingView(OTHER_OPERATOR, FITTERS), data) is None


async def test_a_failed_computation_is_not_shared_and_old_events_are_forgotten() -> None:
    class Failing(CountingView):
        async def get_frame(self, data: bytes) -> Any:
            raise RuntimeError("database gone")

    shared = SharedFrames(kept=1)
    data = inbound(10)
    try:
        await shared.get_frame(Failing(OPERATOR, FITTERS), data)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failure should reach its own socket")
    view = CountingView(OPERATOR, FITTERS)
    assert await shared.get_frame(view, data) == await alone(OPERATOR, FITTERS, data)
    await shared.get_frame(view, inbound(12))  # the first event is forgotten now
    await shared.get_frame(view, data)
    assert view.computed == 3


async def test_a_template_reaches_an_operator_but_not_a_base_user_of_the_same_reach() -> None:
    base = Actor(user_id=9, account_id=1, role=Role.BASE_USER, login="sidorov", name="Сидоров", employee_id=1)
    data = _encode(TemplateDeleted(id=4, template_id=3))
    shared = SharedFrames()
    assert await shared.get_frame(CountingView(OPERATOR, FEWER), data) == data
    assert await shared.get_frame(CountingView(base, FEWER), data) is None
