"""E-mail to SMS and webhooks: the «Интеграции» admin page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

# An address as SMTP carries it in MAIL FROM (RFC 5321 caps a path at 256 octets); no spaces or angle brackets.
MailAddress = Annotated[str, Meta(min_length=3, max_length=254, pattern=r"^[^\s<>@,;]+@[^\s<>@,;]+$")]
# Empty turns the hook off; otherwise an http(s) URL.
HookUrl = Annotated[str, Meta(max_length=2000, pattern=r"^(|https?://\S+)$")]
Seconds = Annotated[int, Meta(ge=0, le=7 * 24 * 3600)]
PerHour = Annotated[int, Meta(ge=1, le=100_000)]
WebhookKind = Literal["inbound", "delivery", "survey"]
WebhookStatus = Literal["pending", "delivered", "failed"]


class MailSettingsRead(Struct, kw_only=True):
    """GET /api/v1/mail: the account's addresses, allowed senders and alert hygiene."""

    address: str
    secret_address: str
    allowed_senders: list[str]
    # The effective values, and whether they are the account's own (false: the server's defaults).
    fold_seconds: int
    rate_per_hour: int
    own_hygiene: bool
    user_id: int  # the login e-mail sends as (narrow it on the Users page)


class MailSettingsUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """PUT /api/v1/mail: absent fields stay; null hygiene values return to the server's defaults."""

    allowed_senders: Annotated[list[MailAddress], Meta(max_length=100)] | UnsetType = UNSET
    regenerate_secret: bool = False
    fold_seconds: Seconds | None | UnsetType = UNSET
    rate_per_hour: PerHour | None | UnsetType = UNSET


class WebhookSettingsRead(Struct, kw_only=True):
    """GET /api/v1/webhooks: where the account's events are POSTed and the key they are signed with."""

    inbound_url: str
    delivery_url: str
    survey_url: str
    secret: str


class WebhookSettingsUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """PUT /api/v1/webhooks: absent fields stay; an empty URL turns that hook off."""

    inbound_url: HookUrl | UnsetType = UNSET
    delivery_url: HookUrl | UnsetType = UNSET
    survey_url: HookUrl | UnsetType = UNSET
    regenerate_secret: bool = False


class WebhookCallRead(Struct, kw_only=True):
    """One webhook call in the delivery log."""

    id: int
    kind: WebhookKind
    url: str
    webhook_id: str
    status: WebhookStatus
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class WebhookCallPage(Struct, kw_only=True):
    """A page of the delivery log, newest first."""

    items: list[WebhookCallRead]
    has_more: bool
