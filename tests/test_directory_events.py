"""Directory, user and read-mark changes record their typed events, published only after commit."""

from __future__ import annotations

import msgspec

from communicator.db.session import Database
from communicator.events import (
    AnyEvent,
    EmployeeUpdated,
    GroupCreated,
    GroupDeleted,
    MessageCreated,
    ThreadMarkedRead,
    UserCreated,
    UserUpdated,
)
from communicator.schemas import EmployeeUpdate, GroupCreate, ThreadReadCount, WebUserCreate, WebUserUpdate
from communicator.services.core.actors import Actor
from communicator.services.directory.employees import update_employee
from communicator.services.directory.groups import create_group, delete_group
from communicator.services.identity.users import create_web_user, update_web_user
from communicator.services.messaging.reads import mark_thread_read
from tests.conftest import DEMO_PASSWORD
from tests.helpers import receive_reply

_decoder = msgspec.json.Decoder(AnyEvent)


def published(db: Database, since: int) -> list[AnyEvent]:
    """The typed events published since the given count (access.changed notes left out)."""
    return [_decoder.decode(p.data) for p in db.published[since:] if p.id != 0]  # type: ignore[attr-defined]


async def test_group_and_employee_changes_carry_the_groups_they_changed(db: Database, admin: Actor) -> None:
    start = len(db.published)  # type: ignore[attr-defined]
    data = GroupCreate(name="Звено", color="#123456", parent_id=1, member_ids=[2])
    group = await create_group(db, admin, data)
    [created] = published(db, start)
    assert isinstance(created, GroupCreated) and created.id > 0
    assert created.group == group and [g.id for g in created.groups] == [1]  # the parent's nested count

    start = len(db.published)  # type: ignore[attr-defined]
    await update_employee(db, admin, 2, EmployeeUpdate(group_ids=[]))
    [updated] = published(db, start)
    assert isinstance(updated, EmployeeUpdated) and updated.employee.group_ids == []
    assert {g.id for g in updated.groups} >= {1, group.id}
    assert next(g for g in updated.groups if g.id == group.id).member_ids == []

    start = len(db.published)  # type: ignore[attr-defined]
    await delete_group(db, admin, group.id)
    [deleted] = published(db, start)
    assert isinstance(deleted, GroupDeleted) and deleted.group_id == group.id
    assert [g.id for g in deleted.groups] == [1]


async def test_user_changes_reach_the_linked_employee(db: Database, admin: Actor) -> None:
    start = len(db.published)  # type: ignore[attr-defined]
    data = WebUserCreate(login="ivanov", password=DEMO_PASSWORD, role="BaseUser", employee_id=3)
    user = await create_web_user(db, admin, data)
    events = published(db, start)
    assert [type(e) for e in events] == [UserCreated, EmployeeUpdated]
    assert events[1].employee.login == "ivanov"  # type: ignore[union-attr]

    start = len(db.published)  # type: ignore[attr-defined]
    await update_web_user(db, admin, user.id, WebUserUpdate(active=False))
    events = published(db, start)
    assert [type(e) for e in events] == [UserUpdated, EmployeeUpdated]
    assert events[0].user.active is False and events[1].employee.web_access is False  # type: ignore[union-attr]


async def test_a_read_mark_is_an_event_only_when_it_moves(db: Database, admin: Actor) -> None:
    message = await receive_reply(db, "+79161000001", "на месте")
    start = len(db.published)  # type: ignore[attr-defined]
    [created] = published(db, start - 1)
    assert isinstance(created, MessageCreated)
    thread_id = created.thread_ids[0]
    await mark_thread_read(db, admin, thread_id, message.id)
    await mark_thread_read(db, admin, thread_id, message.id)  # already read: no event
    [mark] = published(db, start)
    counts = [ThreadReadCount(thread_id=t, read=1) for t in sorted(created.thread_ids)]
    assert mark == ThreadMarkedRead(id=mark.id, user_id=admin.user_id, message_ids=[message.id], threads=counts)
