"""Who may send to whom and see what: one place, used by every entry point."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from communicator.schemas import Recipients
from communicator.services.actors import Actor
from communicator.services.errors import Forbidden

SENDING_ROLES = frozenset({"Administrator", "Operator"})


def check_may_edit_directory(actor: Actor) -> None:
    """Only an Administrator changes employees and groups."""
    if not actor.is_admin:
        raise Forbidden("Only an Administrator may change the directory.", code="admin_only")


async def check_may_send(
    session: AsyncSession, actor: Actor, recipients: Recipients, phones: dict[str, int | None]
) -> None:
    """Refuse the whole send when the actor may not send to any of the recipients."""
    # Per-operator recipient lists arrive with the accounts-and-roles issue; until then
    # Administrators and Operators may send to anyone in their own account.
    if actor.role not in SENDING_ROLES:
        raise Forbidden(
            f"The role {actor.role} may not send messages.", {"recipients": sorted(phones)}, code="role_may_not_send"
        )
