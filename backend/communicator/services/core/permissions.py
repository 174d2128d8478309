"""Who may send to whom and see what: one place, used by every entry point (web, REST, M2M, e-mail).

See docs/permissions.md.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Employee, GroupMember, PermitEmployee, PermitGroup, PermitTag
from communicator.domain import Role, ThreadKind
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden
from communicator.services.directory.group_tree import get_group_parents, with_descendants
from communicator.services.directory.tags import select_contact_subscribers, select_tag_ids, select_tag_subscribers

SENDING_ROLES = frozenset({Role.ADMINISTRATOR, Role.OPERATOR})
FORBIDDEN_NAMED_IN_DETAIL = 20


class Reach(msgspec.Struct, frozen=True):
    """What an actor may reach: every recipient of the account, or just these employees, group and tag threads."""

    everyone: bool
    employee_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    tag_ids: frozenset[int] = frozenset()  # the permitted tags' threads (a tag thread's ref_id is its tag's id)
    # External contacts subscribed to a permitted tag: sendable (as the tag's subscribers), their threads not visible.
    contact_phones: frozenset[str] = frozenset()

    def sees_thread(self, kind: ThreadKind, ref_id: int) -> bool:
        """Whether a thread (employee, group, tag; contact: everyone only) is visible."""
        if self.everyone:
            return True
        if kind == ThreadKind.EMPLOYEE:
            return ref_id in self.employee_ids
        if kind == ThreadKind.TAG:
            return ref_id in self.tag_ids
        return kind == ThreadKind.GROUP and ref_id in self.group_ids

    def reaches(self, phone: str, employee_id: int | None) -> bool:
        """Whether a send may go to this phone (an employee's, or a permitted tag's contact)."""
        return self.sees_employee(employee_id) or (employee_id is None and phone in self.contact_phones)

    def sees_employee(self, employee_id: int | None) -> bool:
        """Whether an employee (None: a phone outside the directory) is visible."""
        return self.everyone or (employee_id is not None and employee_id in self.employee_ids)


EVERYONE = Reach(everyone=True)


def check_is_admin(actor: Actor) -> None:
    """Only the account's Administrator, in a web session, may do this (no API token scope grants it)."""
    if actor.token_id is not None:
        raise Forbidden("API tokens may not do this.", code="token_not_allowed")
    if not actor.is_admin:
        raise Forbidden("Only an Administrator may do this.", code="admin_only")


def check_may_edit_directory(actor: Actor) -> None:
    """Only an Administrator (or a token of theirs with `directory:write`) changes employees and groups."""
    check_scope(actor, "directory:write")
    if not actor.is_admin:
        raise Forbidden("Only an Administrator may change the directory.", code="admin_only")


def check_is_platform_admin(actor: Actor) -> None:
    """Only a platform admin manages client accounts."""
    if not actor.platform_admin or actor.token_id is not None:
        raise Forbidden("Only a platform administrator may manage accounts.", code="platform_admin_only")


def check_scope(actor: Actor, scope: str) -> None:
    """An API token may do only what its scopes allow; a web session holds every scope."""
    if scope not in actor.scopes:
        raise Forbidden(f"This API token lacks the scope «{scope}».", {"scope": scope}, code="scope_missing")


async def resolve_permitted(
    session: AsyncSession, account_id: int, groups: Iterable[int], employees: Iterable[int], tags: Iterable[str]
) -> tuple[set[int], set[int]]:
    """The employees (direct, via groups with their nested groups, via tag subscriptions) and the group threads."""
    group_ids = with_descendants(await get_group_parents(session, account_id), groups)
    employee_ids = set(employees)
    if group_ids:
        employee_ids |= set(
            await session.scalars(select(GroupMember.employee_id).where(GroupMember.group_id.in_(group_ids)))
        )
    tag_list = list(tags)
    if tag_list:
        # A permit reaches an inactive subscriber too: whether to send to them is the send's rule.
        subscribers = select_tag_subscribers(account_id, tag_list, active_only=False)
        employee_ids |= {employee_id for _, employee_id in await session.execute(subscribers)}
    if employee_ids:
        # Only this account's employees, whatever ids were stored.
        own = select(Employee.id).where(Employee.account_id == account_id, Employee.id.in_(employee_ids))
        employee_ids = set(await session.scalars(own))
    return employee_ids, group_ids


async def get_permits(session: AsyncSession, user_id: int) -> tuple[list[int], list[int], list[str]]:
    """The groups, employees and tags a user is permitted, as stored (sorted)."""
    groups = await session.scalars(select(PermitGroup.group_id).where(PermitGroup.user_id == user_id))
    employees = await session.scalars(select(PermitEmployee.employee_id).where(PermitEmployee.user_id == user_id))
    tags = await session.scalars(select(PermitTag.tag).where(PermitTag.user_id == user_id))
    return sorted(groups), sorted(employees), sorted(tags)


def get_fixed_reach(actor: Actor) -> Reach | None:
    """The reach that follows from the actor alone, or None when it depends on permits (an Operator)."""
    if actor.reaches_everyone:
        return EVERYONE
    if actor.role != Role.OPERATOR:
        # A BaseUser sees only their own conversation.
        own = frozenset({actor.employee_id}) if actor.employee_id else frozenset()
        return Reach(everyone=False, employee_ids=own)
    return None


async def get_reach(session: AsyncSession, actor: Actor) -> Reach:
    """What the actor may see and send to, resolved now (permissions and membership change)."""
    fixed = get_fixed_reach(actor)
    if fixed is not None:
        return fixed
    groups, employees, tags = await get_permits(session, actor.user_id)
    employee_ids, group_ids = await resolve_permitted(session, actor.account_id, groups, employees, tags)
    # A permitted tag seen in no message yet has no thread; its tag row brings an access re-check (tag_threads.py).
    tag_ids: set[int] = set()
    contact_phones: set[str] = set()
    if tags:
        tag_ids = set(await session.scalars(select_tag_ids(actor.account_id, tags)))
        contacts = select_contact_subscribers(actor.account_id, tags, opted_out=None)
        contact_phones = {phone for _tag, _contact, phone in await session.execute(contacts)}
    return Reach(
        everyone=False,
        employee_ids=frozenset(employee_ids),
        group_ids=frozenset(group_ids),
        tag_ids=frozenset(tag_ids),
        contact_phones=frozenset(contact_phones),
    )


async def check_may_send(session: AsyncSession, actor: Actor, phones: dict[str, int | None]) -> None:
    """Refuse the whole send, naming every forbidden recipient, unless the actor may reach them all."""
    if actor.role not in SENDING_ROLES:
        raise Forbidden(
            f"The role {actor.role} may not send messages.", {"recipients": sorted(phones)}, code="role_may_not_send"
        )
    reach = await get_reach(session, actor)
    if reach.everyone:
        return
    refused = {phone: employee_id for phone, employee_id in phones.items() if not reach.reaches(phone, employee_id)}
    if refused:
        raise await _forbidden_recipients(session, refused)


async def _forbidden_recipients(session: AsyncSession, refused: dict[str, int | None]) -> Forbidden:
    """The refusal naming each forbidden recipient (employee name and phone, or the bare number)."""
    ids = [e for e in refused.values() if e is not None]
    names = dict((await session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(ids)))).all())
    listed = [
        {"phone": phone, "employee_id": employee_id, "name": names.get(employee_id) if employee_id else None}
        for phone, employee_id in sorted(refused.items())
    ]
    shown = [
        f"{r['name']} ({r['phone']})" if r["name"] else str(r["phone"]) for r in listed[:FORBIDDEN_NAMED_IN_DETAIL]
    ]
    more = len(listed) - len(shown)
    detail = "You may not send to: " + ", ".join(shown) + (f" and {more} more" if more else "") + ". Nothing was sent."
    return Forbidden(detail, {"forbidden": listed}, code="forbidden_recipients")
