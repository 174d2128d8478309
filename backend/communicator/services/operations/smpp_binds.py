"""SMPP binds managed on the «Шлюз» page: an account's Administrator adds, changes and disables its binds.

A platform admin manages every account's binds (the links serve the whole platform); an account's Administrator
only its own, and another account's bind is not found. Gateways read the enabled ones (docs/gateway.md).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, SmppBind
from communicator.db.session import Database
from communicator.schemas import GatewayLinkRead, SmppBindRead, SmppBindWrite
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import InvalidInput, NotFound
from communicator.services.core.permissions import check_is_admin
from communicator.services.operations.bind_passwords import open_password, seal_password
from communicator.services.operations.links import list_gateway_links

log = logging.getLogger(__name__)
WRITTEN = ("host", "port", "system_id", "system_type", "source_addr", "window", "tps", "enabled")


class SmppBindConfig(msgspec.Struct, frozen=True, kw_only=True):
    """An enabled bind as a gateway uses it, password included (never sent to a browser)."""

    id: int
    account_id: int
    host: str
    port: int
    system_id: str
    password: str
    system_type: str
    source_addr: str
    window: int
    tps: float


def get_link_name(bind_id: int, system_id: str, host: str, port: int) -> str:
    """The name a bind's link has on the «Шлюз» page and in /metrics."""
    return f"smpp:{system_id}@{host}:{port}#b{bind_id}"


def check_may_manage_binds(actor: Actor) -> int | None:
    """The account whose binds the actor may manage; None for a platform admin (every account's). Web sessions only."""
    if actor.platform_admin and actor.token_id is None:
        return None
    check_is_admin(actor)
    return actor.account_id


def check_smpp_bind(data: SmppBindWrite) -> None:
    """Refuse a bind whose fields break the schema's limits (port, window, tps, SMPP 3.4 lengths), naming the field."""
    try:
        msgspec.convert(msgspec.structs.asdict(data), SmppBindWrite)
    except msgspec.ValidationError as error:
        found = re.search(r"at `\$\.(\w+)`", str(error))
        field = found.group(1) if found else "bind"
        raise InvalidInput(f"SMPP bind «{field}»: {error}", [{"key": field, "message": str(error)}]) from error


def _read(row: SmppBind, account_name: str, state: GatewayLinkRead | None = None) -> SmppBindRead:
    """A row as an admin sees it: the password only as set."""
    link = get_link_name(row.id, row.system_id, row.host, row.port)
    fields = {name: getattr(row, name) for name in (*WRITTEN, "id", "account_id", "created_at", "updated_at")}
    return SmppBindRead(
        **fields, account_name=account_name, has_password=bool(row.password_sealed), link=link, state=state
    )


def _best_states(links: list[GatewayLinkRead]) -> dict[str, GatewayLinkRead]:
    """Each link name's state: bound when any process has it bound, else the latest report."""
    best: dict[str, GatewayLinkRead] = {}
    for link in sorted(links, key=lambda link: (link.status == "bound", link.updated_at)):
        best[link.name] = link
    return best


async def list_smpp_binds(db: Database, actor: Actor, stale_seconds: float) -> list[SmppBindRead]:
    """The binds the actor manages, each with its link's last reported state; passwords are never read back."""
    account_id = check_may_manage_binds(actor)
    query = select(SmppBind, Account.name).join(Account, Account.id == SmppBind.account_id).order_by(SmppBind.id)
    if account_id is not None:
        query = query.where(SmppBind.account_id == account_id)
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    states = _best_states(await list_gateway_links(db, stale_seconds))
    binds = [_read(row, name) for row, name in rows]
    return [msgspec.structs.replace(bind, state=states.get(bind.link)) for bind in binds]


async def add_smpp_bind(db: Database, actor: Actor, data: SmppBindWrite, secret: bytes) -> SmppBindRead:
    """A new bind; the gateways pick it up within their reload interval."""
    managed = check_may_manage_binds(actor)
    check_smpp_bind(data)
    if data.password is None:
        raise InvalidInput("A new bind needs its password.", code="smpp_bind_password_required")
    async with db.write() as session:
        account_id = data.account_id or actor.account_id
        account_name = await _account_name(session, account_id, managed)
        row = SmppBind(account_id=account_id, created_at=datetime.now(UTC))
        _apply(row, data, secret)
        session.add(row)
        await session.flush()
        await record_audit(session, actor, "smpp_bind.created", _target(row), _details(row), row.account_id)
    return _read(row, account_name)


async def update_smpp_bind(
    db: Database, actor: Actor, bind_id: int, data: SmppBindWrite, secret: bytes
) -> SmppBindRead:
    """Change a bind (disable it with enabled=false); its gateways rebind with the new settings."""
    managed = check_may_manage_binds(actor)
    check_smpp_bind(data)
    async with db.write() as session:
        row = await _get_bind(session, bind_id, managed)
        row.account_id = data.account_id or row.account_id
        account_name = await _account_name(session, row.account_id, managed)
        _apply(row, data, secret)
        await record_audit(session, actor, "smpp_bind.updated", _target(row), _details(row), row.account_id)
    return _read(row, account_name)


async def delete_smpp_bind(db: Database, actor: Actor, bind_id: int) -> None:
    """Remove a bind; its gateways unbind it."""
    managed = check_may_manage_binds(actor)
    async with db.write() as session:
        row = await _get_bind(session, bind_id, managed)
        await record_audit(session, actor, "smpp_bind.deleted", _target(row), _details(row), row.account_id)
        await session.delete(row)


async def _get_bind(session: AsyncSession, bind_id: int, managed: int | None) -> SmppBind:
    """The bind, if the actor manages its account; NotFound otherwise (another account's bind is not shown to exist)."""
    row = await session.get(SmppBind, bind_id)
    if row is None or managed not in (None, row.account_id):
        raise NotFound(f"SMPP bind {bind_id} not found.", code="smpp_bind_not_found")
    return row


async def _account_name(session: AsyncSession, account_id: int, managed: int | None) -> str:
    """The bind's account's name; NotFound when there is no such account or the actor does not manage it."""
    name = await session.scalar(select(Account.name).where(Account.id == account_id))
    if name is None or managed not in (None, account_id):
        raise NotFound(f"Account {account_id} not found.", code="account_not_found")
    return str(name)


def _apply(row: SmppBind, data: SmppBindWrite, secret: bytes) -> None:
    """Copy the written fields onto the row (the password only when given)."""
    for name in WRITTEN:
        setattr(row, name, getattr(data, name))
    if data.password is not None:
        row.password_sealed = seal_password(secret, data.password)
    row.updated_at = datetime.now(UTC)


def _target(row: SmppBind) -> tuple[str, int | None, str]:
    """The audit target of a bind."""
    return ("smpp_bind", row.id, get_link_name(row.id, row.system_id, row.host, row.port))


def _details(row: SmppBind) -> dict[str, object]:
    """What the audit log keeps of a bind (never its password)."""
    return {"host": row.host, "port": row.port, "system_id": row.system_id, "enabled": row.enabled, "tps": row.tps}


async def list_enabled_binds(db: Database, secret: bytes) -> list[SmppBindConfig]:
    """The enabled binds with their passwords, for the gateway (system read); a bind that cannot be opened is skipped."""
    async with db.read() as session:
        rows = list(await session.scalars(select(SmppBind).where(SmppBind.enabled.is_(True)).order_by(SmppBind.id)))
    configs: list[SmppBindConfig] = []
    for row in rows:
        try:
            password = open_password(secret, row.password_sealed)
        except ValueError as error:
            log.error("SMPP bind %s skipped: %s; set its password again", row.id, error)
            continue
        fields = {f.name: getattr(row, f.name) for f in msgspec.structs.fields(SmppBindConfig) if f.name != "password"}
        configs.append(SmppBindConfig(password=password, **fields))
    return configs
