"""Each account's HTTP aggregator: its settings (Administrator), and the delivery reports it posts back. See docs/gateway.md."""

from __future__ import annotations

import re
import secrets
from typing import Any

import msgspec
from sqlalchemy import delete, select

from communicator.db.models import HttpProvider
from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.gateway.drivers.http_templates import TemplateError, check_signature, check_templates, parse_reports
from communicator.gateway.drivers.statuses import UnknownProviderStatus
from communicator.schemas import HttpProviderRead, HttpProviderWrite
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import InvalidInput, NotFound, Unauthorized
from communicator.services.core.permissions import check_is_admin
from communicator.services.messaging.delivery import Receipt, apply_receipts

DLR_PATH = "/api/v1/providers/http/dlr"
SECRET_FIELDS = ("auth_value", "dlr_secret")
_NO_ERROR = frozenset({DeliveryStatus.SENT, DeliveryStatus.DELIVERED})


class HttpProviderConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A provider as the driver uses it, secrets included (never sent to a browser)."""

    id: int
    account_id: int
    name: str
    enabled: bool
    method: str
    url_template: str
    body_type: str
    body_template: str
    auth_header: str
    auth_value: str
    id_path: str
    id_regex: str
    sender: str
    tps: float
    dlr_token: str
    dlr_secret: str
    dlr_id_path: str
    dlr_status_path: str
    dlr_statuses: dict[str, DeliveryStatus]


class HttpReportResult(msgspec.Struct, kw_only=True):
    """What a posted report did: how many statuses were applied, and the provider ids no delivery has (yet)."""

    applied: int
    unknown: list[str]


def get_smsc_id(provider_id: int, message_id: str) -> str:
    """The SMSC id we store for a provider's message id: prefixed, so one provider's reports reach only its own deliveries."""
    return f"h{provider_id}:{message_id}"[:64]


def _config(row: HttpProvider) -> HttpProviderConfig:
    """The row as the driver's settings."""
    fields = {field.name: getattr(row, field.name) for field in msgspec.structs.fields(HttpProviderConfig)}
    return msgspec.convert(fields, HttpProviderConfig)


def _read(row: HttpProvider) -> HttpProviderRead:
    """The row as an admin sees it: secrets only as set or not."""
    config = msgspec.structs.asdict(_config(row))
    shown = {k: v for k, v in config.items() if k not in (*SECRET_FIELDS, "account_id", "dlr_token")}
    return HttpProviderRead(**shown, has_auth_value=bool(row.auth_value), dlr_url=f"{DLR_PATH}/{row.dlr_token}")


async def get_http_provider(db: Database, actor: Actor) -> HttpProviderRead | None:
    """The account's HTTP aggregator, if it has one."""
    check_is_admin(actor)
    async with db.read() as session:
        row = await session.scalar(select(HttpProvider).where(HttpProvider.account_id == actor.account_id))
        return _read(row) if row else None


async def set_http_provider(db: Database, actor: Actor, data: HttpProviderWrite) -> HttpProviderRead:
    """Create or change the account's HTTP aggregator; the templates are checked first."""
    check_is_admin(actor)
    try:
        check_templates(data.url_template, data.body_type, data.body_template)
        re.compile(data.id_regex)
    except (TemplateError, re.error) as error:
        raise InvalidInput(str(error), code="http_template_invalid") from None
    async with db.write() as session:
        row = await session.scalar(select(HttpProvider).where(HttpProvider.account_id == actor.account_id))
        if row is None:
            if data.dlr_secret is None:
                raise InvalidInput(
                    "A new provider needs a dlr_secret (16 characters or more).", code="dlr_secret_needed"
                )
            row = HttpProvider(account_id=actor.account_id, dlr_token=secrets.token_urlsafe(24))
            session.add(row)
        before = _audited(row)
        for name, value in msgspec.structs.asdict(data).items():
            if value is not None or name not in SECRET_FIELDS:  # an absent secret keeps the stored one
                setattr(row, name, value if value is not None else "")
        await session.flush()
        changes = {k: [before.get(k), v] for k, v in _audited(row).items() if before.get(k) != v}
        await record_audit(session, actor, "http_provider.updated", ("http_provider", row.id, row.name), changes)
        return _read(row)


def _audited(row: HttpProvider) -> dict[str, Any]:
    """The fields an audit line shows (secrets only as changed or not)."""
    shown = {
        k: getattr(row, k, None) for k in msgspec.structs.asdict(HttpProviderWrite(name="-", url_template="http://-"))
    }
    for name in SECRET_FIELDS:
        shown[name] = "***" if shown.get(name) else ""
    return shown


async def delete_http_provider(db: Database, actor: Actor) -> None:
    """Remove the account's HTTP aggregator."""
    check_is_admin(actor)
    async with db.write() as session:
        row = await session.scalar(select(HttpProvider).where(HttpProvider.account_id == actor.account_id))
        if row is None:
            raise NotFound("This account has no HTTP provider.", code="not_found")
        await session.execute(delete(HttpProvider).where(HttpProvider.id == row.id))
        await record_audit(session, actor, "http_provider.deleted", ("http_provider", row.id, row.name), {})


async def list_http_provider_configs(db: Database) -> list[HttpProviderConfig]:
    """Every enabled provider, for the gateway's HTTP driver."""
    async with db.read() as session:
        rows = (await session.scalars(select(HttpProvider).where(HttpProvider.enabled))).all()
        return [_config(row) for row in rows]


async def apply_http_reports(db: Database, token: str, body: bytes, signature: str) -> HttpReportResult:
    """Apply the delivery reports a provider posted, once its signature (HMAC-SHA256 with its secret) checks out."""
    async with db.read() as session:
        row = await session.scalar(select(HttpProvider).where(HttpProvider.dlr_token == token, HttpProvider.enabled))
        provider = _config(row) if row else None
    if provider is None:
        raise NotFound("No HTTP provider has this report address.", code="not_found")
    if not check_signature(provider.dlr_secret, body, signature):
        raise Unauthorized("The delivery report's signature does not match.", code="bad_signature")
    try:
        reports = parse_reports(body, provider.dlr_id_path, provider.dlr_status_path, provider.dlr_statuses)
    except (ValueError, UnknownProviderStatus) as error:
        raise InvalidInput(str(error), code="dlr_invalid") from None
    receipts = [
        Receipt(get_smsc_id(provider.id, pid), status, None if status in _NO_ERROR else word[:200])
        for pid, status, word in reports
    ]
    unmatched = await apply_receipts(db, receipts)
    unknown = [pid for pid, _, _ in reports if get_smsc_id(provider.id, pid) in unmatched]
    return HttpReportResult(applied=len(reports) - len(unknown), unknown=unknown)
