"""Who is acting: the authenticated user (or API token) as services see them."""

from __future__ import annotations

import msgspec

from communicator.domain import Role

# Every scope an API token can hold; a web session holds them all.
ALL_SCOPES = frozenset({"messages:send", "messages:read", "directory:read", "directory:write"})


class Actor(msgspec.Struct, frozen=True):
    """The caller of a service: a web user, or an API token acting for the user who created it."""

    user_id: int
    account_id: int
    role: Role
    login: str
    name: str
    employee_id: int | None = None
    may_send_all: bool = True
    platform_admin: bool = False
    scopes: frozenset[str] = ALL_SCOPES
    token_id: int | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the actor is the account's Administrator."""
        return self.role == Role.ADMINISTRATOR

    @property
    def reaches_everyone(self) -> bool:
        """Whether the actor may send to, and see, every recipient of the account."""
        return self.is_admin or (self.role == Role.OPERATOR and self.may_send_all)
