"""Who is acting: the authenticated user as services see them."""

from __future__ import annotations

import msgspec


class Actor(msgspec.Struct, frozen=True):
    """The caller of a service: a web user (or, later, an API token)."""

    user_id: int
    account_id: int
    role: str
    login: str
    name: str
    employee_id: int | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the actor is the account's Administrator."""
        return self.role == "Administrator"
