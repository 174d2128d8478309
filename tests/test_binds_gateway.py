"""A running gateway follows the smpp_binds table: an account's binds added, shared and disabled without a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec

from communicator.db.session import Database
from communicator.gateway.drivers.smpp import SmppDriver
from communicator.gateway.links import LinkReporter
from communicator.gateway.worker import GatewayWorker
from communicator.queue.database import DatabaseQueue
from communicator.schemas import SmppBindRead, SmppBindWrite
from communicator.services.core.actors import Actor
from communicator.services.operations import smpp_binds
from tests.helpers import count_by_status, wait_for
from tests.smpp_support import send_to_phones
from tests.smsc_peer import Script, SmscPeer

pytest_plugins = ["tests.smpp_fixtures"]  # sdb, sadmin
SECRET = b"gateway test secret"


@asynccontextmanager
async def table_gateway(db: Database) -> AsyncIterator[SmppDriver]:
    """A gateway with no settings' bind, re-reading the table every 0.1 s and reporting its links every 0.1 s."""

    async def load() -> list[smpp_binds.SmppBindConfig]:
        return await smpp_binds.list_enabled_binds(db, SECRET)

    driver = SmppDriver(
        db, [], tps=5000, bind_wait_seconds=1.0, load_binds=load, reload_seconds=0.1, enquire_link_seconds=1.0
    )
    worker = GatewayWorker(db, DatabaseQueue(db, 30.0), driver, 100, 0.05)
    await driver.start()
    tasks = [asyncio.create_task(worker.run()), asyncio.create_task(LinkReporter(worker, 0.1, "gw-test").run())]
    try:
        yield driver
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await driver.stop()


def _bind(peer: SmscPeer, system_id: str) -> SmppBindWrite:
    return SmppBindWrite(host="127.0.0.1", port=peer.port, system_id=system_id, password="pw", source_addr=system_id)


async def _states(db: Database, actor: Actor) -> dict[str, str | None]:
    """Each bind's system_id → its reported link status (None: no gateway runs it)."""
    binds: list[SmppBindRead] = await smpp_binds.list_smpp_binds(db, actor, 5.0)
    return {b.system_id: b.state.status if b.state else None for b in binds}


async def _delivered(db: Database, message_id: int, count: int) -> bool:
    return await count_by_status(db, message_id) == {"Delivered": count}


async def test_an_accounts_binds_share_its_sms_and_a_disabled_one_unbinds(sdb: Database, sadmin: Actor) -> None:
    first, second = [await SmscPeer(Script(receipts="DELIVRD")).start() for _ in range(2)]
    try:
        async with table_gateway(sdb):
            await smpp_binds.add_smpp_bind(sdb, sadmin, _bind(first, "one"), SECRET)
            added = await smpp_binds.add_smpp_bind(sdb, sadmin, _bind(second, "two"), SECRET)
            await first.wait_for(lambda: first.sessions, 10, "the first bind")
            await second.wait_for(lambda: second.sessions, 10, "the second bind, added while running")

            async def both_bound() -> bool:
                return await _states(sdb, sadmin) == {"one": "bound", "two": "bound"}

            await wait_for(both_bound, 10, "both binds reported bound")
            message_id = await send_to_phones(sdb, sadmin, 8)
            await wait_for(lambda: _delivered(sdb, message_id, 8), 20, "eight SMS delivered")
            assert len(first.submits) + len(second.submits) == 8
            assert first.submits and second.submits, "the account's SMS go through both of its binds"

            disabled = msgspec.structs.replace(_bind(second, "two"), enabled=False)
            await smpp_binds.update_smpp_bind(sdb, sadmin, added.id, disabled, SECRET)
            await second.wait_for(lambda: not second.sessions, 10, "the disabled bind unbound")

            async def only_first() -> bool:
                return await _states(sdb, sadmin) == {"one": "bound", "two": None}

            await wait_for(only_first, 10, "the disabled bind gone from the links")
            before = len(second.submits)
            later = await send_to_phones(sdb, sadmin, 4, "После отключения")
            await wait_for(lambda: _delivered(sdb, later, 4), 20, "four more SMS delivered")
            assert len(second.submits) == before, "nothing goes through a disabled bind"
    finally:
        await asyncio.gather(first.stop(), second.stop())
