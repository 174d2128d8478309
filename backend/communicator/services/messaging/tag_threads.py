"""Tag threads: one per #tag of an account; every message carrying the tag, or sent to its subscribers. docs/tags.md."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import PermitTag, Tag, Thread, User
from communicator.db.session import dialect_insert
from communicator.domain import ThreadKind
from communicator.events import note_access_changed
from communicator.services.messaging.threads import record_in_threads
from communicator.sms.tags import MAX_TAG_LENGTH, extract_tags, normalize_tag

# One SMS may carry many «#…»; only the first few open threads (a text of 500 tags must not make 500 threads).
MAX_TAG_THREADS_PER_MESSAGE = 10
_tags, _threads = cast(Table, Tag.__table__), cast(Table, Thread.__table__)
# Built once, on Core tables: most messages carry tags that have their threads already, and then this is all it takes.
_EXISTING_TAG_THREADS = (
    select(_tags.c.name, _threads.c.id)
    .join(
        _threads,
        (_threads.c.account_id == _tags.c.account_id)
        & (_threads.c.kind == ThreadKind.TAG)
        & (_threads.c.ref_id == _tags.c.id),
    )
    .where(_tags.c.account_id == bindparam("account"), _tags.c.name.in_(bindparam("names", expanding=True)))
)


def get_message_tags(text: str, addressed: Iterable[str] = ()) -> list[str]:
    """The tags whose threads a message belongs to: those it was sent to, then those in its text (at most 10)."""
    names = [normalize_tag(t) for t in addressed] + extract_tags(text)
    usable = [name for name in dict.fromkeys(names) if 0 < len(name) <= MAX_TAG_LENGTH]
    return usable[:MAX_TAG_THREADS_PER_MESSAGE]


async def record_tags(session: AsyncSession, account_id: int, names: list[str]) -> dict[str, int]:
    """The id of each tag, recording new ones; a new tag an Operator is permitted re-checks open WebSockets."""
    if not names:
        return {}
    rows = [{"account_id": account_id, "name": name} for name in sorted(set(names))]
    insert_new = dialect_insert(session, Tag).values(rows).on_conflict_do_nothing().returning(Tag.name, Tag.id)
    found: dict[str, int] = {name: tag_id for name, tag_id in await session.execute(insert_new)}
    if found:
        permitted = (
            select(PermitTag.tag)
            .join(User, User.id == PermitTag.user_id)
            .where(User.account_id == account_id, PermitTag.tag.in_(list(found)))
        )
        if await session.scalar(permitted.limit(1)) is not None:
            note_access_changed(session, account_id)  # their reach now holds this tag's thread
    if len(found) < len(rows):  # some existed already: the insert returned only the new ones
        known = select(Tag.name, Tag.id).where(Tag.account_id == account_id, Tag.name.in_(names))
        found.update({name: tag_id for name, tag_id in await session.execute(known)})
    return found


async def record_tag_threads(session: AsyncSession, account_id: int, names: list[str]) -> list[int]:
    """The thread of each tag, recording tag and thread first when new."""
    if not names:
        return []
    existing = dict((await session.execute(_EXISTING_TAG_THREADS, {"account": account_id, "names": names})).all())
    if len(existing) == len(set(names)):
        return sorted(existing.values())
    tag_ids = sorted(set((await record_tags(session, account_id, names)).values()))
    if not tag_ids:
        return []
    rows = [{"account_id": account_id, "kind": ThreadKind.TAG, "ref_id": tag_id} for tag_id in tag_ids]
    insert_new = dialect_insert(session, Thread).values(rows).on_conflict_do_nothing().returning(Thread.id)
    thread_ids = list(await session.scalars(insert_new))
    if len(thread_ids) < len(tag_ids):  # some existed already: the insert returned only the new ones
        query = select(Thread.id).where(
            Thread.account_id == account_id, Thread.kind == ThreadKind.TAG, Thread.ref_id.in_(tag_ids)
        )
        thread_ids = list(await session.scalars(query))
    return sorted(thread_ids)


async def record_in_tag_threads(
    session: AsyncSession, account_id: int, message_id: int, text: str, addressed: Iterable[str] = ()
) -> list[int]:
    """Put a message in the threads of its tags (in its text, or the tags it was sent to); returns them."""
    threads = await record_tag_threads(session, account_id, get_message_tags(text, addressed))
    await record_in_threads(session, message_id, threads)
    return threads
