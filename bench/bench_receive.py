"""CPU per inbound SMS in process: `receive_sms` on a seeded SQLite file (and PostgreSQL), no HTTP, no clients.

A mix like real traffic: employees answering a broadcast sent a moment ago (reply context and group threads),
numbers outside the staff (contact threads; half got an SMS from the account), a third with one of 7 #tags and
one in six with a new #tag, every fourth with an SMSC id (the duplicate check), one in twelve a repeat of the SMS
before it (same SMSC id).
`time.process_time` over the measured calls after a warm-up; the statements per call are counted too.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from _common import TempDatabase, TempPostgres, report, seed_account
from sqlalchemy import event, select

from communicator.db.models import Group
from communicator.db.session import Database
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.demo import DEMO_PEOPLE
from communicator.services.messaging.receive import receive_sms
from communicator.services.messaging.send import send_message

WARM_UP = 50
MEASURED = int(os.environ.get("COMMUNICATOR_BENCH_RECEIVE_CALLS", "300"))
STRANGERS = [f"+7903555{i:04}" for i in range(40)]
TARGET_MS = 6.0


def _inbound(i: int) -> tuple[str, str, str | None]:
    """The i-th SMS of the mix: sender, text, SMSC id (one in twelve repeats the SMS before it)."""
    if i % 12 == 5:
        i -= 1
    employees = [phone for _name, phone, _position, _group in DEMO_PEOPLE]
    sender = employees[i % len(employees)] if i % 2 else STRANGERS[i % len(STRANGERS)]
    text = f"Принял #объект{i % 7}" if i % 3 == 0 else f"Заявка #з{i}" if i % 6 == 1 else f"Принял, на месте {i}"
    return sender, text, f"mo-{i}" if i % 4 == 0 else None


async def _prepare(db: Database, admin: Actor) -> None:
    """A broadcast to every employee and an SMS to half the strangers, just sent (within the reply window)."""
    strangers = Recipients(numbers=STRANGERS[::2])
    await send_message(db, admin, MessageCreate(text="Кто на объекте?", recipients=strangers, confirmed=True))
    async with db.read() as session:
        groups = list(await session.scalars(select(Group.id).where(Group.account_id == admin.account_id)))
    everyone = Recipients(groups=groups, numbers=[phone for _n, phone, _p, _g in DEMO_PEOPLE])
    await send_message(db, admin, MessageCreate(text="Сбор в 9:00", recipients=everyone, confirmed=True))


async def measure(url: str) -> tuple[float, float]:
    """CPU ms and statements per receive_sms after a warm-up."""
    admin = await seed_account(url)
    db = Database(url)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    try:
        await _prepare(db, admin)
        for i in range(WARM_UP):
            await receive_sms(db, None, *_inbound(i))
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        started = time.process_time()
        for i in range(WARM_UP, WARM_UP + MEASURED):
            await receive_sms(db, None, *_inbound(i))
        cpu = time.process_time() - started
        return cpu / MEASURED * 1000, statements / MEASURED
    finally:
        await db.dispose()


def main() -> None:
    """Measure on SQLite, then PostgreSQL when it answers."""
    print(f"load average {os.getloadavg()}", file=sys.stderr)
    with TempDatabase() as temp:
        cpu, statements = asyncio.run(measure(temp.url))
    report("receive_sms CPU per inbound, SQLite", cpu, TARGET_MS, "ms")
    print(f"  {statements:.1f} statements per inbound", file=sys.stderr)
    try:
        with TempPostgres() as temp_pg:
            cpu, statements = asyncio.run(measure(temp_pg.url))
    except OSError as error:
        print(f"PostgreSQL skipped: {error}", file=sys.stderr)
        return
    report("receive_sms CPU per inbound, PostgreSQL", cpu, TARGET_MS * 2, "ms")
    print(f"  {statements:.1f} statements per inbound", file=sys.stderr)


if __name__ == "__main__":
    main()
