"""SMPP bind service actions: several per account, scoped to the admin's account, validated, password never read."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import select

from communicator.db.models import AuditEntry, SmppBind
from communicator.db.session import Database
from communicator.domain import Role
from communicator.schemas import SmppBindWrite
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput, NotFound
from communicator.services.identity.accounts import create_account
from communicator.services.operations import smpp_binds
from communicator.services.operations.bind_passwords import open_password

pytest_plugins = ["tests.smpp_fixtures"]  # sdb, sadmin: a seeded SQLite copy and the demo account's admin
SECRET = b"test server secret"
STALE = 60.0


def _bind(**fields: object) -> SmppBindWrite:
    values: dict[str, object] = {"host": "smsc.example.ru", "system_id": "esme", "password": "pw12", **fields}
    return SmppBindWrite(**values)  # type: ignore[arg-type]


async def _other_admin(db: Database) -> Actor:
    """The Administrator of a second company."""
    async with db.write() as session:
        account = await create_account(session, "ООО «Другая»", "5000")
    return Actor(999, account.id, Role.ADMINISTRATOR, "other", "Другой админ")


async def _stored(db: Database) -> list[SmppBind]:
    async with db.read() as session:
        return list(await session.scalars(select(SmppBind).order_by(SmppBind.id)))


async def test_an_account_admin_keeps_several_binds_and_never_reads_a_password_back(
    sdb: Database, sadmin: Actor
) -> None:
    first = await smpp_binds.add_smpp_bind(sdb, sadmin, _bind(password="first1"), SECRET)
    second = await smpp_binds.add_smpp_bind(sdb, sadmin, _bind(host="10.0.0.2", port=2776), SECRET)
    listed = await smpp_binds.list_smpp_binds(sdb, sadmin, STALE)
    assert [b.id for b in listed] == [first.id, second.id], "two binds of one account"
    assert {b.account_id for b in listed} == {sadmin.account_id}, "added to the admin's own account"
    assert all(b.has_password and b.state is None for b in listed), "set, and no gateway has reported yet"
    assert "first1" not in msgspec.json.encode(listed).decode() and "password" not in msgspec.structs.asdict(first)
    kept = await smpp_binds.update_smpp_bind(sdb, sadmin, first.id, _bind(password=None, window=50), SECRET)
    assert kept.window == 50 and kept.created_at == first.created_at and kept.updated_at > first.updated_at
    rows = await _stored(sdb)
    assert "first1" not in rows[0].password_sealed and open_password(SECRET, rows[0].password_sealed) == "first1"
    await smpp_binds.delete_smpp_bind(sdb, sadmin, second.id)
    async with sdb.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "smpp_bind")))
    assert actions == ["smpp_bind.created", "smpp_bind.created", "smpp_bind.updated", "smpp_bind.deleted"]


async def test_another_accounts_bind_is_not_found_and_a_platform_admin_sees_every_account(
    sdb: Database, sadmin: Actor
) -> None:
    ours = await smpp_binds.add_smpp_bind(sdb, sadmin, _bind(), SECRET)
    other = await _other_admin(sdb)
    assert await smpp_binds.list_smpp_binds(sdb, other, STALE) == []
    with pytest.raises(NotFound) as refused:
        await smpp_binds.update_smpp_bind(sdb, other, ours.id, _bind(enabled=False), SECRET)
    assert refused.value.code == "smpp_bind_not_found"
    with pytest.raises(NotFound):
        await smpp_binds.delete_smpp_bind(sdb, other, ours.id)
    with pytest.raises(NotFound) as named:
        await smpp_binds.add_smpp_bind(sdb, other, _bind(account_id=sadmin.account_id), SECRET)
    assert named.value.code == "account_not_found"
    theirs = await smpp_binds.add_smpp_bind(sdb, other, _bind(), SECRET)
    assert [b.id for b in await smpp_binds.list_smpp_binds(sdb, sadmin, STALE)] == [ours.id]
    platform = msgspec.structs.replace(sadmin, platform_admin=True)
    assert {b.id for b in await smpp_binds.list_smpp_binds(sdb, platform, STALE)} == {ours.id, theirs.id}
    moved = await smpp_binds.update_smpp_bind(sdb, platform, theirs.id, _bind(account_id=sadmin.account_id), SECRET)
    assert moved.account_id == sadmin.account_id
    assert [r.enabled for r in await _stored(sdb)] == [True, True], "the refused changes changed nothing"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"role": Role.OPERATOR}, "admin_only"),
        ({"token_id": 5}, "token_not_allowed"),
        ({"token_id": 5, "platform_admin": True}, "token_not_allowed"),
    ],
)
async def test_only_an_administrators_web_session_manages_binds(
    sdb: Database, sadmin: Actor, change: dict[str, object], code: str
) -> None:
    actor = msgspec.structs.replace(sadmin, **change)
    for action in (
        smpp_binds.list_smpp_binds(sdb, actor, STALE),
        smpp_binds.add_smpp_bind(sdb, actor, _bind(), SECRET),
        smpp_binds.delete_smpp_bind(sdb, actor, 1),
    ):
        with pytest.raises(Forbidden) as refused:
            await action
        assert refused.value.code == code
    assert await _stored(sdb) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("port", 0),
        ("port", 65536),
        ("window", 0),
        ("window", 1001),
        ("tps", 0),
        ("host", ""),
        ("host", "smsc example"),
        ("system_id", ""),
        ("system_id", "x" * 16),
        ("password", "x" * 9),
        ("system_type", "x" * 13),
        ("source_addr", "x" * 21),
        ("system_id", "логин"),
    ],
)
async def test_a_bad_field_is_refused_by_name_and_nothing_changes(
    sdb: Database, sadmin: Actor, field: str, value: object
) -> None:
    kept = await smpp_binds.add_smpp_bind(sdb, sadmin, _bind(), SECRET)
    for action in (
        smpp_binds.add_smpp_bind(sdb, sadmin, _bind(**{field: value}), SECRET),
        smpp_binds.update_smpp_bind(sdb, sadmin, kept.id, _bind(**{field: value}), SECRET),
    ):
        with pytest.raises(InvalidInput) as refused:
            await action
        assert refused.value.extra[0]["key"] == field and f"«{field}»" in refused.value.detail
    rows = await _stored(sdb)
    assert [(r.id, r.updated_at) for r in rows] == [(kept.id, kept.updated_at)]


async def test_the_longest_smpp_fields_fit(sdb: Database, sadmin: Actor) -> None:
    longest = _bind(system_id="x" * 15, password="p" * 8, system_type="t" * 12, source_addr="7" * 20, window=1000)
    added = await smpp_binds.add_smpp_bind(sdb, sadmin, longest, SECRET)
    assert (added.system_id, added.source_addr, added.window) == ("x" * 15, "7" * 20, 1000)
