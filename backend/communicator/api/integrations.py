"""The «Интеграции» page: e-mail to SMS and webhooks (Administrator only; the services check it)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from communicator.api.params import QueryBigId
from communicator.db.session import Database
from communicator.schemas import (
    MailSettingsRead,
    MailSettingsUpdate,
    WebhookCallPage,
    WebhookSettingsRead,
    WebhookSettingsUpdate,
)
from communicator.services.core.actors import Actor
from communicator.services.integrations import mail, webhooks


class MailController(Controller):
    """/api/v1/mail"""

    path = "/api/v1/mail"
    tags = ["integrations"]

    @get("/", operation_id="getMailSettings")
    async def get_mail(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], request: Request
    ) -> MailSettingsRead:
        """The account's e-mail addresses, allowed senders and alert hygiene."""
        return await mail.get_mail_settings(db, actor, request.app.state.settings)

    @put("/", operation_id="updateMailSettings")
    async def update_mail(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        request: Request,
        data: JSONBody[MailSettingsUpdate],
    ) -> MailSettingsRead:
        """Change allowed senders or hygiene, or regenerate the secret address."""
        return await mail.update_mail_settings(db, actor, request.app.state.settings, data)


class WebhookController(Controller):
    """/api/v1/webhooks"""

    path = "/api/v1/webhooks"
    tags = ["integrations"]

    @get("/", operation_id="getWebhookSettings")
    async def get_hooks(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> WebhookSettingsRead:
        """The account's webhook URLs and signing secret."""
        return await webhooks.get_webhook_settings(db, actor)

    @put("/", operation_id="updateWebhookSettings")
    async def update_hooks(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        state: State,
        data: JSONBody[WebhookSettingsUpdate],
    ) -> WebhookSettingsRead:
        """Set the URLs (empty: off; none resolving to a private address) or regenerate the secret."""
        return await webhooks.update_webhook_settings(db, actor, data, state.settings.webhook_allow_private)

    @get("/calls", operation_id="listWebhookCalls")
    async def list_calls(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        before_id: QueryBigId = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> WebhookCallPage:
        """The delivery log, newest first; pass the last id as before_id for the next page."""
        return await webhooks.list_webhook_calls(db, actor, before_id, limit)
