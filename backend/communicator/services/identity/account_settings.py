"""The account's inbox settings («Настройки компании»): reply window and confirm threshold (docs/inbox.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account
from communicator.db.session import Database
from communicator.events import AccountUpdated, record_event
from communicator.schemas import AccountSettings
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import NotFound
from communicator.services.core.permissions import check_is_admin


async def _account(session: AsyncSession, actor: Actor) -> Account:
    """The caller's own account."""
    account = await session.get(Account, actor.account_id)
    if account is None:
        raise NotFound("Account not found.", code="not_found")
    return account


def _settings(account: Account) -> AccountSettings:
    """The settings as the API shows them."""
    return AccountSettings(
        reply_window_hours=account.reply_window_hours, confirm_threshold_sms=account.confirm_threshold_sms
    )


async def get_account_settings(db: Database, actor: Actor) -> AccountSettings:
    """The caller's account settings; every user may read them (the composer needs the threshold)."""
    async with db.read() as session:
        return _settings(await _account(session, actor))


async def update_account_settings(db: Database, actor: Actor, data: AccountSettings) -> AccountSettings:
    """Change the reply window and the confirm threshold (Administrators only); audited."""
    check_is_admin(actor)
    async with db.write() as session:
        account = await _account(session, actor)
        before = _settings(account)
        account.reply_window_hours = data.reply_window_hours
        account.confirm_threshold_sms = data.confirm_threshold_sms
        changes = {
            field: [getattr(before, field), getattr(data, field)]
            for field in AccountSettings.__struct_fields__
            if getattr(before, field) != getattr(data, field)
        }
        await record_audit(session, actor, "account.settings_updated", ("account", account.id, account.name), changes)
        await record_event(session, actor.account_id, AccountUpdated(settings=data))
        return data
