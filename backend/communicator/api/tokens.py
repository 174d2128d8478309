"""API tokens (Administrator only; a token itself can never reach these routes)."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas import TokenCreate, TokenCreated, TokenRead
from communicator.services.core.actors import Actor
from communicator.services.identity import tokens


class TokenController(Controller):
    """/api/v1/tokens"""

    path = "/api/v1/tokens"
    tags = ["tokens"]

    @get("/", operation_id="listTokens")
    async def list_tokens(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[TokenRead]]:
        """The account's tokens, without their secrets."""
        return {"items": await tokens.list_tokens(db, actor)}

    @post("/", operation_id="createToken")
    async def create_token(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        data: JSONBody[TokenCreate],
        request: Request,
    ) -> TokenCreated:
        """A new token; its secret is in this answer and never again."""
        return await tokens.create_token(db, actor, data, request.app.state.server_secret)

    @delete("/{token_id:int}", operation_id="revokeToken")
    async def revoke_token(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], token_id: PathId
    ) -> None:
        """Revoke a token (again: no change)."""
        await tokens.revoke_token(db, actor, token_id)
