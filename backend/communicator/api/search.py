"""The history search: GET /api/v1/search (docs/search.md)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from communicator.db.session import Database
from communicator.schemas.search import SearchPage
from communicator.services.core.actors import Actor
from communicator.services.messaging import search

# Taken as text and checked by the service, so that a bad value is a 422 naming its field.
Text = Annotated[str | None, QueryParameter(description="See SearchFilters.")]


class SearchController(Controller):
    """/api/v1/search"""

    path = "/api/v1/search"
    tags = ["messages"]

    @get("/", operation_id="searchMessages", opt={"scope": "messages:read"})
    async def search_messages(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        q: Text = None,
        tag: Text = None,
        employee_id: Text = None,
        group_id: Text = None,
        direction: Annotated[str | None, QueryParameter(description="in | out")] = None,
        status: Annotated[str | None, QueryParameter(description="A delivery status: Delivered, NotDelivered…")] = None,
        since: Annotated[str | None, QueryParameter(description="ISO 8601; without an offset, UTC")] = None,
        until: Annotated[str | None, QueryParameter(description="ISO 8601, inclusive")] = None,
        cursor: Annotated[str | None, QueryParameter(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = search.PAGE,
    ) -> SearchPage:
        """Messages the caller may see matching a phrase (word forms) or #tag and the filters, newest first."""
        raw = {
            "q": q,
            "tag": tag,
            "employee_id": employee_id,
            "group_id": group_id,
            "direction": direction,
            "status": status,
            "since": since,
            "until": until,
        }
        filters = search.check_filters({name: value for name, value in raw.items() if value not in (None, "")})
        return await search.search_messages(db, actor, filters, cursor, limit)
