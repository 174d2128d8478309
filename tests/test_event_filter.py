"""The per-user event filter, without a server: which parts of each event type a user sees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import msgspec

from communicator.domain import DeliveryStatus, Direction, Role, ThreadKind
from communicator.events import (
    AccountUpdated,
    AnyEvent,
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
    DeliveryUpdated,
    EmployeeCreated,
    EmployeeUpdated,
    GroupCreated,
    GroupDeleted,
    GroupUpdated,
    MessageCreated,
    MessageFolded,
    TemplateCreated,
    TemplateDeleted,
    TemplateUpdated,
    ThreadMarkedRead,
    ThreadUpdated,
    UserCreated,
    UserUpdated,
)
from communicator.events.visibility import get_visible_event
from communicator.schemas import (
    AccountSettings,
    ContactRead,
    DeliveryRead,
    EmployeeRead,
    GroupRead,
    MessageRead,
    Summary,
    TemplateRead,
    ThreadReadCount,
    WebUserRead,
)
from communicator.services.core.actors import Actor
from communicator.services.core.permissions import EVERYONE, Reach

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SUMMARY = Summary(total=2, counts={"Sent": 2})
# thread 10: employee 1; 11: employee 13; 12: group 1; 13: group 3; 14: unknown senders
EMPLOYEE, GROUP = ThreadKind.EMPLOYEE, ThreadKind.GROUP
THREADS = {10: (EMPLOYEE, 1), 11: (EMPLOYEE, 13), 12: (GROUP, 1), 13: (GROUP, 3), 14: (ThreadKind.CONTACT, 1)}
FITTERS = Reach(everyone=False, employee_ids=frozenset({1, 2}), group_ids=frozenset({1, 4}))
ADMIN = Actor(user_id=1, account_id=1, role=Role.ADMINISTRATOR, login="admin", name="Админ")
OPERATOR = Actor(user_id=5, account_id=1, role=Role.OPERATOR, login="fitter-boss", name="Бригадир", may_send_all=False)
ALL_OPERATOR = Actor(user_id=6, account_id=1, role=Role.OPERATOR, login="all", name="Все")
COVERED: set[str] = set()


def visible(event: AnyEvent, actor: Actor = OPERATOR, reach: Reach = FITTERS) -> AnyEvent | None:
    """What the user sees of the event; notes its type as covered."""
    COVERED.add(str(type(event).__struct_config__.tag))
    return get_visible_event(event, actor, reach, THREADS)


def created(*thread_ids: int, direction: Direction = "out", employee_id: int | None = None) -> MessageCreated:
    """A message.created shown in these threads."""
    message = MessageRead(
        id=7,
        direction=direction,
        text="Сбор",
        parts=1,
        encoding="UCS-2",
        created_at=NOW,
        author_name="Админ" if direction == "out" else None,
        sender_phone="+79161000013" if direction == "in" else None,
        employee_id=employee_id,
        employee_name="Сидоров" if employee_id else None,
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


def employee(employee_id: int, group_ids: list[int]) -> EmployeeRead:
    """An employee in these groups."""
    return EmployeeRead(
        id=employee_id,
        name=f"Сотрудник {employee_id}",
        phone=f"+7916100{employee_id:04}",
        email=None,
        position=None,
        active=True,
        group_ids=group_ids,
        web_access=False,
        role=None,
        login=None,
        operator="MTS",
        reply_capable=True,
    )


def group(group_id: int, parent_id: int | None = None) -> GroupRead:
    """A group with one member."""
    return GroupRead(
        id=group_id, name=f"Группа {group_id}", color="#123456", parent_id=parent_id, member_ids=[1], member_count=1
    )


def test_everyone_sees_every_event_unchanged() -> None:
    event = created(10, 11, 14)
    assert get_visible_event(event, ADMIN, EVERYONE, {}) == event


def test_message_keeps_only_visible_threads() -> None:
    shown = visible(created(10, 11, 12, 13, 14))
    assert isinstance(shown, MessageCreated) and shown.thread_ids == [10, 12]
    assert shown.id == 5 and shown.message.id == 7


def test_message_in_no_visible_thread_is_dropped() -> None:
    assert visible(created(11, 13, 14)) is None
    assert visible(created(99)) is None  # a thread not looked up is not visible


def test_a_reply_from_outside_the_reach_is_anonymous_as_in_rest() -> None:
    shown = visible(created(12, 11, direction="in", employee_id=13))
    assert isinstance(shown, MessageCreated) and shown.thread_ids == [12]
    assert (shown.message.sender_phone, shown.message.employee_id, shown.message.employee_name) == (None, None, None)
    own = visible(created(10, 12, direction="in", employee_id=1))
    assert isinstance(own, MessageCreated) and own.message.employee_id == 1 and own.message.sender_phone


def test_delivery_update_keeps_only_visible_employees() -> None:
    shown = visible(updated(1, 13, None, 2))
    assert isinstance(shown, DeliveryUpdated)
    assert [d.employee_id for d in shown.deliveries] == [1, 2] and shown.message_id == 7


def test_delivery_update_with_nothing_visible_is_dropped() -> None:
    assert visible(updated(13, None)) is None


def test_base_user_sees_only_their_own_thread() -> None:
    own = Reach(everyone=False, employee_ids=frozenset({13}))
    base = Actor(user_id=9, account_id=1, role=Role.BASE_USER, login="sidorov", name="Сидоров", employee_id=13)
    assert visible(created(10, 11, 13), base, own).thread_ids == [11]  # type: ignore[union-attr]
    assert visible(updated(1, 2), base, own) is None


def test_employee_events_show_only_employees_in_reach_with_their_visible_groups() -> None:
    for kind in (EmployeeCreated, EmployeeUpdated):
        shown = visible(kind(id=8, employee=employee(2, [1, 3, 4]), groups=[group(1), group(3), group(4, 3)]))
        assert isinstance(shown, kind)
        assert shown.employee.group_ids == [1, 4]
        assert [(g.id, g.parent_id) for g in shown.groups] == [(1, None), (4, None)]  # 4's parent 3 is hidden
        assert visible(kind(id=8, employee=employee(13, [3]), groups=[group(3)])) is None


def test_group_events_only_for_visible_groups() -> None:
    for kind in (GroupCreated, GroupUpdated):
        shown = visible(kind(id=8, group=group(4, 3), groups=[group(3), group(1)]))
        assert isinstance(shown, kind) and shown.group.parent_id is None and [g.id for g in shown.groups] == [1]
        assert visible(kind(id=8, group=group(3), groups=[group(1)])) is None
    deleted = visible(GroupDeleted(id=8, group_id=4, groups=[group(5, 4), group(3)]))
    assert isinstance(deleted, GroupDeleted) and deleted.groups == []  # 5 is outside the reach, 3 too
    assert visible(GroupDeleted(id=8, group_id=3, groups=[group(1)])) is None


def test_user_events_only_for_administrators() -> None:
    user = WebUserRead(
        id=5,
        login="fitter-boss",
        name="Бригадир",
        role=Role.OPERATOR,
        employee_id=None,
        active=True,
        may_send_all=False,
    )
    for event in (UserCreated(id=8, user=user), UserUpdated(id=9, user=user)):
        assert visible(event) is None
        assert visible(event, ALL_OPERATOR, EVERYONE) is None  # reaching everyone is not being an admin
        assert visible(event, ADMIN, EVERYONE) == event


def test_a_read_mark_only_for_its_own_user() -> None:
    mark = ThreadMarkedRead(
        id=8, user_id=OPERATOR.user_id, message_ids=[7], threads=[ThreadReadCount(thread_id=12, read=1)]
    )
    assert visible(mark) == mark
    assert visible(mark, ADMIN, EVERYONE) is None
    others = msgspec.structs.replace(mark, user_id=ADMIN.user_id)
    assert visible(others) is None


def test_contacts_and_contact_threads_only_for_everyone_reaching_users() -> None:
    contact = ContactRead(id=1, phone="+79035550000", name="Поставщик", note="", thread_id=14)
    for event in (ContactCreated(contact=contact), ContactUpdated(contact=contact), ContactDeleted(contact_id=1)):
        assert visible(event) is None
        assert visible(event, ALL_OPERATOR, EVERYONE) == event
    renamed = ThreadUpdated(thread_id=14, kind="contact", ref_id=1, title="Поставщик", phone="+79035550000")
    assert visible(renamed) is None and visible(renamed, ADMIN, EVERYONE) == renamed
    promoted = ThreadUpdated(thread_id=14, kind="employee", ref_id=2, title="Петров", phone=None)
    assert visible(promoted) == promoted  # employee 2 is in the fitters' reach
    assert visible(msgspec.structs.replace(promoted, ref_id=13)) is None


def test_account_settings_reach_every_user() -> None:
    changed = AccountUpdated(settings=AccountSettings(reply_window_hours=2, confirm_threshold_sms=50))
    assert visible(changed) == changed


def test_a_folded_alert_only_in_visible_threads() -> None:
    """message.folded keeps the threads the user sees, and is dropped when none is left (like the message)."""
    folded = MessageFolded(id=9, message_id=7, folded=6, thread_ids=[10, 11])
    assert visible(folded) == msgspec.structs.replace(folded, thread_ids=[10])
    assert visible(MessageFolded(id=9, message_id=7, folded=6, thread_ids=[11])) is None


def test_templates_only_for_those_who_send() -> None:
    read = TemplateRead(id=3, name="Замер", body="{{ a }}", variables=["a"], created_at=NOW, updated_at=NOW)
    base = Actor(user_id=9, account_id=1, role=Role.BASE_USER, login="sidorov", name="Сидоров", employee_id=13)
    for event in (TemplateCreated(template=read), TemplateUpdated(template=read), TemplateDeleted(template_id=3)):
        assert visible(event) == event  # a restricted Operator fills templates too
        assert visible(event, base, Reach(everyone=False, employee_ids=frozenset({13}))) is None


def test_every_event_type_is_covered_for_a_restricted_user() -> None:
    # Runs last in this module: a new event type without a case above fails here.
    every = {str(t.__struct_config__.tag) for t in get_args(AnyEvent)}
    assert COVERED == every
