"""Deliveries per operator (GET /api/v1/gateway/operators): the numbers behind billing and the «Шлюз» page."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from communicator.db.session import Database
from communicator.schemas import OperatorCountsRead
from communicator.services.core.actors import Actor
from communicator.services.messaging.operator_counts import list_operator_counts


@get("/api/v1/gateway/operators", operation_id="listOperatorCounts", tags=["gateway"])
async def operator_counts(
    db: NamedDependency[Database], actor: NamedDependency[Actor], day: Annotated[date | None, QueryParameter()] = None
) -> OperatorCountsRead:
    """Sent, delivered, failed and pending deliveries per operator on a UTC day (today when absent)."""
    return await list_operator_counts(db, actor, day)
