"""E-mail to SMS settings: the account's addresses, allowed senders, the login mail sends as. See docs/mail.md."""

from __future__ import annotations

import re
import secrets

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import MailSettings, User
from communicator.db.session import Database
from communicator.domain import Role
from communicator.schemas import MailSettingsRead, MailSettingsUpdate, WebUserCreate
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.permissions import check_is_admin
from communicator.services.identity.users import create_web_user
from communicator.settings import Settings

LOCAL_PREFIX = "mail2sms"
# mail2sms-<account id>[-<secret>]: the secret form takes mail from anyone who knows it.
_LOCAL_PART = re.compile(rf"^{LOCAL_PREFIX}-(\d{{1,10}})(?:-([0-9a-f]{{24}}))?$")


class MailTarget(msgspec.Struct, frozen=True, kw_only=True):
    """The account an envelope recipient names, and whether it used the secret."""

    account_id: int
    secret: str | None


def get_mail_address(domain: str, account_id: int, secret: str | None = None) -> str:
    """An account's address, or its secret address."""
    local = f"{LOCAL_PREFIX}-{account_id}" + (f"-{secret}" if secret else "")
    return f"{local}@{domain}"


def check_mail_target(domain: str, address: str) -> MailTarget | None:
    """The account a recipient address names on our domain, or None when it is not one of ours."""
    local, _, host = address.strip().strip("<>").rpartition("@")
    match = _LOCAL_PART.match(local.lower())
    if host.lower() != domain.lower() or match is None:
        return None
    return MailTarget(account_id=int(match.group(1)), secret=match.group(2))


def _read(row: MailSettings, settings: Settings) -> MailSettingsRead:
    """The settings as the admin page shows them, with the server's defaults filled in."""
    return MailSettingsRead(
        address=get_mail_address(settings.mail_domain, row.account_id),
        secret_address=get_mail_address(settings.mail_domain, row.account_id, row.secret),
        allowed_senders=list(row.allowed_senders),
        fold_seconds=settings.mail_fold_seconds if row.fold_seconds is None else row.fold_seconds,
        rate_per_hour=settings.mail_rate_per_hour if row.rate_per_hour is None else row.rate_per_hour,
        own_hygiene=row.fold_seconds is not None or row.rate_per_hour is not None,
        user_id=row.user_id,
    )


async def _create_mail_login(db: Database, actor: Actor) -> int:
    """The Operator login e-mail sends as: created like any login (audited, user.created), or found again."""
    login = f"{LOCAL_PREFIX}-{actor.account_id}"
    async with db.read() as session:
        query = select(User.id).where(User.login == login, User.account_id == actor.account_id)
        existing = await session.scalar(query)
    if existing is not None:  # created before a crash, or before the settings were removed
        return existing
    # Nobody is told this password: the login only ever acts for the SMTP listener.
    data = WebUserCreate(login=login, password=secrets.token_urlsafe(24), role=Role.OPERATOR, name="E-mail")
    return (await create_web_user(db, actor, data)).id


async def _ensure_mail_settings(db: Database, actor: Actor) -> MailSettings:
    """The account's mail settings, created (with a fresh secret and the mail login) on first use."""
    async with db.read() as session:
        row = await load_mail_settings(session, actor.account_id)
    if row is not None:
        return row
    user_id = await _create_mail_login(db, actor)
    async with db.write() as session:
        row = await load_mail_settings(session, actor.account_id)
        if row is None:
            row = MailSettings(account_id=actor.account_id, secret=secrets.token_hex(12), allowed_senders=[])
            row.user_id = user_id
            session.add(row)
            await session.flush()
        return row


async def load_mail_settings(session: AsyncSession, account_id: int) -> MailSettings | None:
    """The account's mail settings row, if it has one."""
    return await session.get(MailSettings, account_id)


async def get_mail_settings(db: Database, actor: Actor, settings: Settings) -> MailSettingsRead:
    """The account's mail settings (created, with a fresh secret, on first look)."""
    check_is_admin(actor)
    return _read(await _ensure_mail_settings(db, actor), settings)


async def update_mail_settings(
    db: Database, actor: Actor, settings: Settings, data: MailSettingsUpdate
) -> MailSettingsRead:
    """Change allowed senders and hygiene, or regenerate the secret address; audited."""
    check_is_admin(actor)
    await _ensure_mail_settings(db, actor)
    async with db.write() as session:
        row = await load_mail_settings(session, actor.account_id)
        assert row is not None  # settings are never deleted
        changes: dict[str, object] = {}
        if data.allowed_senders is not msgspec.UNSET:
            senders = sorted({address.strip().lower() for address in data.allowed_senders})
            if senders != row.allowed_senders:
                changes["allowed_senders"] = [row.allowed_senders, senders]
                row.allowed_senders = senders
        for field in ("fold_seconds", "rate_per_hour"):
            value = getattr(data, field)
            if value is not msgspec.UNSET and value != getattr(row, field):
                changes[field] = [getattr(row, field), value]
                setattr(row, field, value)
        if data.regenerate_secret:
            row.secret = secrets.token_hex(12)
            changes["secret_regenerated"] = True
        if changes:
            await record_audit(session, actor, "mail.updated", ("mail", None, "E-mail to SMS"), changes)
        return _read(row, settings)


async def get_mail_user(session: AsyncSession, user_id: int) -> User | None:
    """The login an account's mail sends as."""
    return await session.get(User, user_id)
