"""The per-user event filter, without a server: which parts of an event a reach lets through."""

from __future__ import annotations

from datetime import UTC, datetime

from communicator.domain import DeliveryStatus, ThreadKind
from communicator.events import DeliveryUpdated, MessageCreated
from communicator.events.visibility import get_visible_event
from communicator.schemas import DeliveryRead, MessageRead, Summary
from communicator.services.core.permissions import EVERYONE, Reach

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SUMMARY = Summary(total=2, counts={"Sent": 2})
# thread 10: employee 1; 11: employee 13; 12: group 1; 13: group 3; 14: unknown senders
EMPLOYEE, GROUP = ThreadKind.EMPLOYEE, ThreadKind.GROUP
THREADS = {10: (EMPLOYEE, 1), 11: (EMPLOYEE, 13), 12: (GROUP, 1), 13: (GROUP, 3), 14: (ThreadKind.UNKNOWN, 0)}
FITTERS = Reach(everyone=False, employee_ids=frozenset({1, 2}), group_ids=frozenset({1}))


def created(*thread_ids: int) -> MessageCreated:
    """A message.created shown in these threads."""
    message = MessageRead(
        id=7,
        direction="out",
        text="Сбор",
        parts=1,
        encoding="UCS-2",
        created_at=NOW,
        author_name="Админ",
        sender_phone=None,
        employee_id=None,
        employee_name=None,
        reply_to_id=None,
        summary=SUMMARY,
    )
    return MessageCreated(id=5, message=message, thread_ids=list(thread_ids))


def updated(*employee_ids: int | None) -> DeliveryUpdated:
    """A delivery.updated with one delivery per employee (None: a number outside the directory)."""
    deliveries = [
        DeliveryRead(
            id=i,
            phone=f"+7916100{i:04}",
            employee_id=e,
            employee_name=None,
            status=DeliveryStatus.SENT,
            updated_at=NOW,
            error=None,
        )
        for i, e in enumerate(employee_ids, start=1)
    ]
    return DeliveryUpdated(id=6, message_id=7, deliveries=deliveries, summary=SUMMARY)


def test_everyone_sees_every_event_unchanged() -> None:
    event = created(10, 11, 14)
    assert get_visible_event(event, EVERYONE, {}) is event


def test_message_keeps_only_visible_threads() -> None:
    visible = get_visible_event(created(10, 11, 12, 13, 14), FITTERS, THREADS)
    assert isinstance(visible, MessageCreated) and visible.thread_ids == [10, 12]
    assert visible.id == 5 and visible.message.id == 7


def test_message_in_no_visible_thread_is_dropped() -> None:
    assert get_visible_event(created(11, 13, 14), FITTERS, THREADS) is None
    assert get_visible_event(created(99), FITTERS, THREADS) is None  # a thread not looked up is not visible


def test_delivery_update_keeps_only_visible_employees() -> None:
    visible = get_visible_event(updated(1, 13, None, 2), FITTERS, THREADS)
    assert isinstance(visible, DeliveryUpdated)
    assert [d.employee_id for d in visible.deliveries] == [1, 2] and visible.message_id == 7


def test_delivery_update_with_nothing_visible_is_dropped() -> None:
    assert get_visible_event(updated(13, None), FITTERS, THREADS) is None


def test_base_user_sees_only_their_own_thread() -> None:
    own = Reach(everyone=False, employee_ids=frozenset({13}))
    assert get_visible_event(created(10, 11, 13), own, THREADS).thread_ids == [11]  # type: ignore[union-attr]
    assert get_visible_event(updated(1, 2), own, THREADS) is None
