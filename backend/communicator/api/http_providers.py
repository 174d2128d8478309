"""The account's HTTP aggregator (Administrator) and the delivery reports providers post back (signed, no login)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from communicator.db.session import Database
from communicator.schemas import HttpProviderRead, HttpProviderWrite
from communicator.services.core.actors import Actor
from communicator.services.messaging import http_providers
from communicator.services.messaging.http_providers import DLR_PATH, HttpReportResult

SIGNATURE_HEADER = "X-Signature"


class HttpProviderController(Controller):
    """/api/v1/admin/http-provider: one provider per account."""

    path = "/api/v1/admin/http-provider"
    tags = ["gateway"]

    @get("/", operation_id="getHttpProvider")
    async def get_provider(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, HttpProviderRead | None]:
        """The account's provider, or null."""
        return {"provider": await http_providers.get_http_provider(db, actor)}

    @put("/", operation_id="setHttpProvider")
    async def set_provider(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[HttpProviderWrite]
    ) -> HttpProviderRead:
        """Create or change the provider (absent secrets keep their stored values)."""
        return await http_providers.set_http_provider(db, actor, data)

    @delete("/", operation_id="deleteHttpProvider")
    async def delete_provider(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> None:
        """Remove the provider."""
        await http_providers.delete_http_provider(db, actor)


@post(f"{DLR_PATH}/{{token:str}}", operation_id="postHttpDeliveryReport", exclude_from_auth=True, tags=["gateway"])
async def http_delivery_report(
    db: NamedDependency[Database], request: Request, token: Annotated[str, PathParameter(max_length=64)]
) -> Response[HttpReportResult]:
    """Delivery reports (JSON: one object or a list) signed with X-Signature = hex HMAC-SHA256(secret, body).

    200 when at least one report matched a delivery; 404 when none did (yet), so the provider tries again.
    """
    body = await request.body()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    result = await http_providers.apply_http_reports(db, token, body, signature)
    return Response(result, status_code=404 if result.unknown and not result.applied else 200)
