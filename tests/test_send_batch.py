"""Concurrent sends stored together (services/messaging/send_batch.py): each checked and answered on its own."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from sqlalchemy import func, select

from communicator.db.models import Delivery, Employee, Message, Thread, ThreadMessage
from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput
from communicator.services.messaging import outbound, send_batch
from communicator.services.messaging.send import send_message
from communicator.services.messaging.views import get_message_page
from tests.test_permissions import ENGINEER_IDS, ENGINEERS, fitters_operator, group_id, phones_of

CONTACTS = [f"+7903555{n:04}" for n in range(12)]


def _to(text: str, **recipients: list) -> MessageCreate:
    """A message to these recipients."""
    return MessageCreate(text=text, recipients=Recipients(**recipients))


async def _staff_phones(db: Database, account_id: int, count: int) -> list[str]:
    """The phones of the first employees."""
    async with db.read() as session:
        query = select(Employee.phone).where(Employee.account_id == account_id).order_by(Employee.id).limit(count)
        return list(await session.scalars(query))


async def _count(db: Database, model: type) -> int:
    """Rows in a table."""
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_concurrent_sends_share_a_batch_and_each_gets_its_own_answer(db: Database, admin: Actor) -> None:
    operator = await fitters_operator(db, admin)
    engineers = await phones_of(db, ENGINEER_IDS)
    staff = await _staff_phones(db, admin.account_id, 6)
    sends = [(admin, _to(f"Контакт {n}", numbers=[phone])) for n, phone in enumerate(CONTACTS)]
    sends += [(admin, _to(f"Сотрудник {n}", numbers=[phone])) for n, phone in enumerate(staff)]
    sends += [(admin, _to("Плохой номер", numbers=["12"]))]
    sends += [(operator, _to("Чужим", groups=[await group_id(db, ENGINEERS)]))]
    sends += [(admin, _to("Двоим", numbers=[CONTACTS[0], staff[0]], tags=[]))]
    before = await _count(db, Message)
    db.published.clear()  # type: ignore[attr-defined]
    outcomes = await asyncio.gather(*(send_message(db, a, d) for a, d in sends), return_exceptions=True)
    assert isinstance(outcomes[-3], InvalidInput) and "«12»" in outcomes[-3].detail
    assert isinstance(outcomes[-2], Forbidden) and engineers == {f["phone"] for f in outcomes[-2].extra["forbidden"]}
    reads = [o for o in outcomes if not isinstance(o, BaseException)]
    # Each caller gets its own message: one INSERT numbers the batch's rows in order (insert_returning_ids).
    assert [r.text for r in reads] == [d.text for (_, d), o in zip(sends, outcomes) if not isinstance(o, BaseException)]
    assert len(reads) == len(sends) - 2 == await _count(db, Message) - before
    async with db.read() as session:
        for read in reads:
            message = await session.get(Message, read.id)
            assert message is not None
            # The batch's read is exactly what the single-message read shows.
            assert read == await get_message_page(session, message)
    created = [msgspec.json.decode(e.data) for e in db.published if b'"message.created"' in e.data]  # type: ignore[attr-defined]
    assert [e["message"]["id"] for e in created] == [r.id for r in reads]  # one event each, in order
    assert [e["id"] for e in created] == sorted({e["id"] for e in created})


async def test_a_batch_links_every_thread_and_touches_each_with_its_newest_message(db: Database, admin: Actor) -> None:
    staff = await _staff_phones(db, admin.account_id, 2)
    sends = [_to(f"Серия {n}", numbers=[CONTACTS[n % 2], staff[n % 2]]) for n in range(8)]
    reads = await asyncio.gather(*(send_message(db, admin, d) for d in sends))
    async with db.read() as session:
        for read in reads:
            links = await session.scalar(
                select(func.count()).select_from(ThreadMessage).where(ThreadMessage.message_id == read.id)
            )
            assert links == 2  # the contact's thread and the employee's thread
        newest = {phone: max(r.id for r, d in zip(reads, sends) if phone in d.recipients.numbers) for phone in staff}
        touched = await session.scalars(
            select(Thread.last_message_id)
            .join(ThreadMessage, ThreadMessage.thread_id == Thread.id)
            .where(ThreadMessage.message_id.in_([r.id for r in reads]))
        )
        assert set(touched) == set(newest.values())
        pending = await session.scalar(select(func.count()).where(Delivery.message_id.in_([r.id for r in reads])))
        assert pending == 16


async def test_a_batch_that_fails_whole_sends_each_on_its_own(
    db: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = outbound.record_sends

    async def refuse_batches(session, sends):  # type: ignore[no-untyped-def]
        """Stands for a store that fails only when several sends share it."""
        if len(sends) > 1:
            raise RuntimeError("a batch broke")
        return await real(session, sends)

    monkeypatch.setattr(send_batch, "record_sends", refuse_batches)
    before = await _count(db, Message)
    reads = await asyncio.gather(
        *(send_message(db, admin, _to(f"Снова {n}", numbers=[c])) for n, c in enumerate(CONTACTS))
    )
    assert len({r.id for r in reads}) == len(CONTACTS) == await _count(db, Message) - before
    assert all(msgspec.structs.replace(r, client_id=None).summary.total == 1 for r in reads)


async def test_a_caller_that_goes_away_does_not_undo_its_accepted_send(db: Database, admin: Actor) -> None:
    before = await _count(db, Message)
    waiting = [
        asyncio.create_task(send_message(db, admin, _to(f"Уход {n}", numbers=[c]))) for n, c in enumerate(CONTACTS)
    ]
    await asyncio.sleep(0)  # one turn of the loop: every send is queued, the batch has not started
    waiting[0].cancel()
    done = await asyncio.gather(*waiting[1:])
    assert len(done) == len(CONTACTS) - 1
    assert await _count(db, Message) - before == len(CONTACTS)  # accepted before the caller left: it stands
