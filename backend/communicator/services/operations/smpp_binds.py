"""SMPP binds managed on the «Шлюз» page: platform admins add, change and disable them; gateways read them.

The password goes to the SMSC, so it is kept recoverable but sealed: an HMAC-SHA256 keystream and tag keyed by
the server secret (docs/gateway.md). It is never read back through the API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, SmppBind
from communicator.db.session import Database
from communicator.schemas import SmppBindRead, SmppBindWrite
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import InvalidInput, NotFound
from communicator.services.core.permissions import check_is_platform_admin

log = logging.getLogger(__name__)
NONCE, TAG = 16, 16


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


def _key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the server secret."""
    return hmac.new(secret, f"smpp-bind-password\n{purpose}".encode(), hashlib.sha256).digest()


def _keystream(secret: bytes, nonce: bytes, length: int) -> bytes:
    """HMAC-SHA256 in counter mode: as many key bytes as the text has."""
    key = _key(secret, "encrypt")
    blocks = (hmac.new(key, nonce + n.to_bytes(4, "big"), hashlib.sha256).digest() for n in range(length // 32 + 1))
    return b"".join(blocks)[:length]


def seal_password(secret: bytes, password: str) -> str:
    """The password encrypted and authenticated under the server secret (base64)."""
    nonce, data = secrets.token_bytes(NONCE), password.encode()
    cipher = bytes(a ^ b for a, b in zip(data, _keystream(secret, nonce, len(data)), strict=True))
    tag = hmac.new(_key(secret, "mac"), nonce + cipher, hashlib.sha256).digest()[:TAG]
    return base64.b64encode(nonce + cipher + tag).decode()


def open_password(secret: bytes, sealed: str) -> str:
    """The password back; ValueError when it was sealed under another secret or altered."""
    raw = base64.b64decode(sealed)
    nonce, cipher, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    expected = hmac.new(_key(secret, "mac"), nonce + cipher, hashlib.sha256).digest()[:TAG]
    if not hmac.compare_digest(tag, expected):
        raise ValueError("the bind's password was sealed under another server secret")
    return bytes(a ^ b for a, b in zip(cipher, _keystream(secret, nonce, len(cipher)), strict=True)).decode()


def _read(row: SmppBind, account_name: str) -> SmppBindRead:
    """A row as a platform admin sees it: the password only as set."""
    return SmppBindRead(
        id=row.id,
        account_id=row.account_id,
        account_name=account_name,
        host=row.host,
        port=row.port,
        system_id=row.system_id,
        has_password=bool(row.password_sealed),
        system_type=row.system_type,
        source_addr=row.source_addr,
        window=row.window,
        tps=row.tps,
        enabled=row.enabled,
        link=get_link_name(row.id, row.system_id, row.host, row.port),
        updated_at=row.updated_at,
    )


async def list_smpp_binds(db: Database, actor: Actor) -> list[SmppBindRead]:
    """Every account's binds (platform admins: binds are the platform's contracts with operators)."""
    check_is_platform_admin(actor)
    query = select(SmppBind, Account.name).join(Account, Account.id == SmppBind.account_id).order_by(SmppBind.id)
    async with db.read() as session:
        return [_read(row, name) for row, name in (await session.execute(query)).all()]


async def add_smpp_bind(db: Database, actor: Actor, data: SmppBindWrite, secret: bytes) -> SmppBindRead:
    """A new bind; the gateways pick it up within their reload interval."""
    check_is_platform_admin(actor)
    if data.password is None:
        raise InvalidInput("A new bind needs its password.", code="smpp_bind_password_required")
    async with db.write() as session:
        account_name = await _account_name(session, data.account_id)
        row = SmppBind(password_sealed=seal_password(secret, data.password))
        _apply(row, data, secret)
        session.add(row)
        await session.flush()
        await record_audit(session, actor, "smpp_bind.created", _target(row), _details(row), row.account_id)
    return _read(row, account_name)


async def update_smpp_bind(
    db: Database, actor: Actor, bind_id: int, data: SmppBindWrite, secret: bytes
) -> SmppBindRead:
    """Change a bind (disable it with enabled=false); its gateways rebind with the new settings."""
    check_is_platform_admin(actor)
    async with db.write() as session:
        row = await session.get(SmppBind, bind_id)
        if row is None:
            raise NotFound(f"SMPP bind {bind_id} not found.", code="smpp_bind_not_found")
        account_name = await _account_name(session, data.account_id)
        _apply(row, data, secret)
        await record_audit(session, actor, "smpp_bind.updated", _target(row), _details(row), row.account_id)
    return _read(row, account_name)


async def delete_smpp_bind(db: Database, actor: Actor, bind_id: int) -> None:
    """Remove a bind; its gateways unbind it."""
    check_is_platform_admin(actor)
    async with db.write() as session:
        row = await session.get(SmppBind, bind_id)
        if row is None:
            raise NotFound(f"SMPP bind {bind_id} not found.", code="smpp_bind_not_found")
        await record_audit(session, actor, "smpp_bind.deleted", _target(row), _details(row), row.account_id)
        await session.delete(row)


async def _account_name(session: AsyncSession, account_id: int) -> str:
    """The bind's account's name; NotFound when there is no such account."""
    name = await session.scalar(select(Account.name).where(Account.id == account_id))
    if name is None:
        raise NotFound(f"Account {account_id} not found.", code="account_not_found")
    return str(name)


def _apply(row: SmppBind, data: SmppBindWrite, secret: bytes) -> None:
    """Copy the written fields onto the row (the password only when given)."""
    for name in ("account_id", "host", "port", "system_id", "system_type", "source_addr", "window", "tps", "enabled"):
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
