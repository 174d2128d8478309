"""The platform's unrouted inbox, for platform admins (a web session only: API tokens never reach these routes)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from communicator.api.params import PathBigId, QueryBigId
from communicator.db.session import Database
from communicator.schemas import MessageRead, UnroutedAssign, UnroutedPage
from communicator.services.core.actors import Actor
from communicator.services.messaging import inbox


class InboxController(Controller):
    """/api/v1/platform/inbox"""

    path = "/api/v1/platform/inbox"
    tags = ["platform"]

    @get("/", operation_id="listUnrouted")
    async def list_unrouted(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        before_id: QueryBigId = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 100,
    ) -> UnroutedPage:
        """Inbound SMS no account could be chosen for, newest first; pass the last id as before_id for more."""
        return await inbox.list_unrouted(db, actor, before_id, limit)

    @post("/{unrouted_id:int}/assign", operation_id="assignUnrouted")
    async def assign_unrouted(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        unrouted_id: PathBigId,
        data: JSONBody[UnroutedAssign],
    ) -> MessageRead:
        """Make the message an ordinary inbound message of the account (its threads, its event)."""
        return await inbox.assign_unrouted(db, actor, unrouted_id, data.account_id)
