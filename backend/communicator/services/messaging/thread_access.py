"""Which threads a caller sees: the SQL condition, one thread by id, a message's visibility; the list's order."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, bindparam, case, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from communicator.db.models import Thread, ThreadMessage
from communicator.domain import ThreadKind
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, NotFound
from communicator.services.core.permissions import Reach, get_reach

KIND_ORDER = {ThreadKind.TAG: 0, ThreadKind.GROUP: 1, ThreadKind.CONTACT: 2, ThreadKind.EMPLOYEE: 3}


def kind_rank(kind: ColumnElement[ThreadKind] | InstrumentedAttribute[ThreadKind]) -> ColumnElement[int]:
    """A thread kind's place among threads sharing a last message."""
    return case(*((kind == k, rank) for k, rank in KIND_ORDER.items()), else_=len(KIND_ORDER))


# Ties (one broadcast is the last message of a group's thread and of every member's): group, contact, employee, by id.
KIND_RANK = kind_rank(Thread.kind)


def visible_threads(reach: Reach) -> ColumnElement[bool]:
    """The SQL condition on Thread for the threads a reach sees (contacts' only with everyone)."""
    if reach.everyone:
        return true()
    return or_(
        and_(Thread.kind == ThreadKind.EMPLOYEE, Thread.ref_id.in_(reach.employee_ids)),
        and_(Thread.kind == ThreadKind.GROUP, Thread.ref_id.in_(reach.group_ids)),
        and_(Thread.kind == ThreadKind.TAG, Thread.ref_id.in_(reach.tag_ids)),
    )


def visible_threads_bound(everyone: bool) -> ColumnElement[bool]:
    """visible_threads with the reach's ids bound at execution (reach_params): one statement serves every reach."""
    if everyone:
        return true()
    return or_(
        and_(Thread.kind == ThreadKind.EMPLOYEE, Thread.ref_id.in_(bindparam("employee_ids", expanding=True))),
        and_(Thread.kind == ThreadKind.GROUP, Thread.ref_id.in_(bindparam("group_ids", expanding=True))),
        and_(Thread.kind == ThreadKind.TAG, Thread.ref_id.in_(bindparam("tag_ids", expanding=True))),
    )


def reach_params(reach: Reach) -> dict[str, list[int]]:
    """The execution parameters of visible_threads_bound for this reach."""
    if reach.everyone:
        return {}
    return {
        "employee_ids": sorted(reach.employee_ids),
        "group_ids": sorted(reach.group_ids),
        "tag_ids": sorted(reach.tag_ids),
    }


async def check_message_visible(session: AsyncSession, reach: Reach, message_id: int) -> None:
    """A message in none of the caller's visible threads looks exactly like a missing one."""
    if reach.everyone:
        return
    query = (
        select(ThreadMessage.thread_id)
        .join(Thread, Thread.id == ThreadMessage.thread_id)
        .where(ThreadMessage.message_id == message_id, visible_threads(reach))
        .limit(1)
    )
    if await session.scalar(query) is None:
        raise NotFound(f"Message {message_id} not found.", code="not_found")


async def get_thread(session: AsyncSession, actor: Actor, thread_id: int) -> tuple[Thread, Reach]:
    """One thread the caller may see, with their reach; one of their own account outside their reach is 403."""
    # access_row keeps another account's ids a 404: only ids of the caller's own account are told apart,
    # and those they could list before the admin narrowed their reach anyway.
    thread = await access_row(session, Thread, thread_id, actor, "Thread")
    reach = await get_reach(session, actor)
    if not reach.sees_thread(thread.kind, thread.ref_id):
        raise Forbidden(f"Thread {thread_id} is outside your reach.", code="forbidden")
    return thread, reach
