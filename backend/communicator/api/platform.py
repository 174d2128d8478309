"""Client accounts, for platform admins (a web session only: API tokens never reach these routes)."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas import AccountCreate, AccountRead, AccountUpdate
from communicator.services.core.actors import Actor
from communicator.services.identity import accounts


class PlatformController(Controller):
    """/api/v1/platform"""

    path = "/api/v1/platform"
    tags = ["platform"]

    @get("/accounts", operation_id="listAccounts")
    async def list_accounts(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[AccountRead]]:
        """Every client company."""
        return {"items": await accounts.list_accounts(db, actor)}

    @post("/accounts", operation_id="createAccount")
    async def create_account(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[AccountCreate]
    ) -> AccountRead:
        """A client company and its first Administrator, in one transaction."""
        return await accounts.add_client_account(db, actor, data)

    @patch("/accounts/{account_id:int}", operation_id="updateAccount")
    async def update_account(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        account_id: PathId,
        data: JSONBody[AccountUpdate],
    ) -> AccountRead:
        """Change a client company's time zone."""
        return await accounts.update_account(db, actor, account_id, data)
