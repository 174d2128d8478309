"""The demo account: seeded once; its admin always has the password printed at start."""

from __future__ import annotations

from sqlalchemy import func, select

from communicator.db.models import Employee, EmployeeTag, Group
from communicator.db.session import Database
from communicator.services.demo import seed_demo
from communicator.services.identity.auth import open_session


async def test_seed_is_idempotent_and_resets_the_admin_password(db: Database) -> None:
    assert await seed_demo(db, "first") is True
    assert await seed_demo(db, "second") is False
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Employee))).scalar_one() == 20
        groups = set((await session.execute(select(Group.name))).scalars())
    assert groups == {"Монтажники", "Замерщики", "Дежурные инженеры"}
    _, actor = await open_session(db, "admin", "second")
    assert actor.role == "Administrator"
    _, operator = await open_session(db, "operator", "second")
    assert operator.role == "Operator" and operator.may_send_all
    async with db.read() as session:
        tags = (await session.execute(select(EmployeeTag.tag, func.count()).group_by(EmployeeTag.tag))).all()
    assert dict(tags) == {"авария": 4, "дежурство": 3}
