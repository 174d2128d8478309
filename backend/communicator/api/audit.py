"""The audit log (Administrator only)."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import Parameter

from communicator.api.params import QueryBigId
from communicator.db.session import Database
from communicator.schemas import AuditPage
from communicator.services.core.actors import Actor
from communicator.services.core.audit import list_audit


@get("/api/v1/audit", operation_id="listAudit", tags=["audit"])
async def audit_log(
    db: NamedDependency[Database],
    actor: NamedDependency[Actor],
    before_id: QueryBigId = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
) -> AuditPage:
    """A page of the account's audit log, newest first; pass the last id as before_id for the next."""
    return await list_audit(db, actor, before_id, limit)
