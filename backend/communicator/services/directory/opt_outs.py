"""External contacts' tag subscriptions and their «СТОП» opt-outs (docs/tags.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Contact, ContactTag
from communicator.sms.tags import normalize_tag

# (tags it is subscribed to, those it left), each sorted
ContactTags = tuple[list[str], list[str]]


async def get_contact_tags(session: AsyncSession, contact_ids: Iterable[int]) -> dict[int, ContactTags]:
    """Each contact's subscriptions and opt-outs."""
    ids = list(contact_ids)
    found: dict[int, ContactTags] = {contact_id: ([], []) for contact_id in ids}
    if not ids:
        return found
    query = (
        select(ContactTag.contact_id, ContactTag.tag, ContactTag.opted_out_at)
        .where(ContactTag.contact_id.in_(ids))
        .order_by(ContactTag.contact_id, ContactTag.tag)
    )
    for contact_id, tag, opted_out_at in await session.execute(query):
        found[contact_id][0].append(tag)
        if opted_out_at is not None:
            found[contact_id][1].append(tag)
    return found


async def set_contact_tags(session: AsyncSession, contact: Contact, tags: Iterable[str]) -> None:
    """Replace the contact's subscriptions; a tag it keeps keeps its opt-out (only a re-subscribe undoes one)."""
    wanted = {normalize_tag(tag) for tag in tags}
    kept = select(ContactTag.tag).where(ContactTag.contact_id == contact.id)
    have = set(await session.scalars(kept))
    gone = have - wanted
    if gone:
        await session.execute(
            delete(ContactTag).where(ContactTag.contact_id == contact.id, ContactTag.tag.in_(sorted(gone)))
        )
    for tag in sorted(wanted - have):
        session.add(ContactTag(contact_id=contact.id, tag=tag, account_id=contact.account_id))


async def record_opt_out(session: AsyncSession, contact: Contact, tags: list[str], at: datetime) -> list[str]:
    """Opt the contact out of these tags (every tag when empty); returns the ones it newly left."""
    query = update(ContactTag).where(ContactTag.contact_id == contact.id, ContactTag.opted_out_at.is_(None))
    if tags:
        query = query.where(ContactTag.tag.in_(tags))
    left = await session.scalars(
        query.values(opted_out_at=at).returning(ContactTag.tag).execution_options(synchronize_session=False)
    )
    return sorted(left)


async def record_resubscribe(session: AsyncSession, contact: Contact, tags: list[str]) -> list[str]:
    """Undo the contact's opt-outs of these tags (every one when empty); returns the tags it is back in."""
    query = update(ContactTag).where(ContactTag.contact_id == contact.id, ContactTag.opted_out_at.is_not(None))
    if tags:
        query = query.where(ContactTag.tag.in_([normalize_tag(t) for t in tags]))
    back = await session.scalars(
        query.values(opted_out_at=None).returning(ContactTag.tag).execution_options(synchronize_session=False)
    )
    return sorted(back)
