"""The tag list (with subscriber and opt-out counts) and who a send to tags reaches. docs/tags.md."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.session import Database
from communicator.schemas import TagRead
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.core.permissions import check_scope, get_reach
from communicator.services.directory.tags import select_contact_subscribers, select_tag_subscribers
from communicator.sms.tags import normalize_tag


async def list_tags(db: Database, actor: Actor) -> list[TagRead]:
    """The tags with subscribers, counting only those the caller may see (contacts: everyone-reaching callers)."""
    check_scope(actor, "directory:read")
    async with db.read() as session:
        reach = await get_reach(session, actor)
        employees = select_tag_subscribers(actor.account_id).subquery()
        query = select(employees.c.tag, func.count()).group_by(employees.c.tag)
        if not reach.everyone:
            query = query.where(employees.c.employee_id.in_(reach.employee_ids))
        counts: Counter[str] = Counter({tag: count for tag, count in await session.execute(query)})
        left: dict[str, list[int]] = defaultdict(list)
        if reach.everyone:
            for tag, _contact, _phone in await session.execute(select_contact_subscribers(actor.account_id)):
                counts[tag] += 1
            opted_out = select_contact_subscribers(actor.account_id, opted_out=True)
            for tag, contact_id, _phone in await session.execute(opted_out):
                left[tag].append(contact_id)
                counts.setdefault(tag, 0)
        return [TagRead(tag=tag, subscribers=counts[tag], opted_out=sorted(left[tag])) for tag in sorted(counts)]


async def resolve_tag_recipients(session: AsyncSession, account_id: int, tags: list[str]) -> tuple[set[int], set[str]]:
    """The active employees and the still-subscribed contacts' phones of the tags.

    InvalidInput names every tag nobody would get (no active employee, every contact opted out).
    """
    wanted = {normalize_tag(tag) for tag in tags}
    if not wanted:
        return set(), set()
    employees = (await session.execute(select_tag_subscribers(account_id, wanted))).all()
    contacts = (await session.execute(select_contact_subscribers(account_id, wanted))).all()
    unknown = sorted(wanted - {tag for tag, _ in employees} - {tag for tag, _, _ in contacts})
    if unknown:
        listed = ", ".join(f"#{tag}" for tag in unknown)
        raise InvalidInput(f"Nobody is subscribed to {listed}.", {"tags": unknown}, code="unknown_tags")
    return {employee_id for _, employee_id in employees}, {phone for _, _, phone in contacts}
