"""The SMPP tests' fixtures (a pytest plugin: `pytest_plugins = ["tests.smpp_fixtures"]`)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from communicator.db.migrate import upgrade
from communicator.db.models import User
from communicator.db.session import Database
from communicator.services.core.actors import Actor
from tests.conftest import seed
from tests.smsc_peer import Script, SmscPeer


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file with the demo account, made once; each test gets a copy (seeding costs seconds)."""
    path = tmp_path_factory.mktemp("smpp-template") / "seeded.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(seed(url))
    return path


@pytest.fixture
async def sdb(seeded_sqlite: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh copy of the seeded SQLite database."""
    path = tmp_path / "smpp.db"
    shutil.copy(seeded_sqlite, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    yield database
    await database.dispose()


@pytest.fixture
async def sadmin(sdb: Database) -> Actor:
    """The demo account's administrator in `sdb`."""
    async with sdb.read() as session:
        user = (await session.execute(select(User).where(User.login == "admin"))).scalar_one()
    return Actor(user.id, user.account_id, user.role, user.login, user.name)


@pytest.fixture
async def peer() -> AsyncIterator[SmscPeer]:
    """A scripted SMSC that accepts everything and sends DELIVRD receipts."""
    smsc = await SmscPeer(Script(receipts="DELIVRD")).start()
    yield smsc
    await smsc.stop()
