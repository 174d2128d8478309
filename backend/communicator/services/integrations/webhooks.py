"""Webhooks: an account's URLs and signing secret, the outbox's claims and results, the delivery log.

Calls are rows of webhook_outbox, written with the event that causes them (events/webhooks.py). A sender
(webhooks/sender.py) claims due rows with a lease — on PostgreSQL with SKIP LOCKED, so two processes never
take the same row — posts them, and records the outcome under the attempt number it claimed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import cast

import msgspec
from sqlalchemy import Select, delete, or_, select, update

from communicator.db.models import WebhookOutbox, WebhookSettings
from communicator.db.session import Database, execute_dml
from communicator.schemas import WebhookCallPage, WebhookCallRead, WebhookSettingsRead, WebhookSettingsUpdate
from communicator.schemas.integrations import WebhookKind, WebhookStatus
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.permissions import check_is_admin
from communicator.services.integrations.webhook_targets import check_webhook_url

SECRET_PREFIX = "whsec_"
_URL_FIELDS = ("inbound_url", "delivery_url", "survey_url")


class WebhookCall(msgspec.Struct, frozen=True, kw_only=True):
    """A claimed call: what to post where, signed with the account's current secret."""

    id: int
    url: str
    webhook_id: str
    kind: str
    body: str
    attempt: int
    secret: str


class CallResult(msgspec.Struct, frozen=True, kw_only=True):
    """How one attempt went: the HTTP status (None: no answer) and an error to show in the log."""

    ok: bool
    status: int | None
    error: str | None


def _read(row: WebhookSettings) -> WebhookSettingsRead:
    """The settings as the admin page shows them."""
    return WebhookSettingsRead(
        inbound_url=row.inbound_url, delivery_url=row.delivery_url, survey_url=row.survey_url, secret=row.secret
    )


async def get_webhook_settings(db: Database, actor: Actor) -> WebhookSettingsRead:
    """The account's webhook URLs and secret (empty URLs and a fresh secret before the first change)."""
    check_is_admin(actor)
    async with db.read() as session:
        row = await session.get(WebhookSettings, actor.account_id)
    return _read(row) if row else WebhookSettingsRead(inbound_url="", delivery_url="", survey_url="", secret="")


async def update_webhook_settings(
    db: Database, actor: Actor, data: WebhookSettingsUpdate, allow_private: bool = False
) -> WebhookSettingsRead:
    """Set the URLs (empty: off) or regenerate the secret; audited (the secret itself never is).

    A URL whose host resolves to a private, loopback or link-local address is refused unless `allow_private`.
    """
    check_is_admin(actor)
    for field in _URL_FIELDS:  # before the write transaction: resolving may take seconds
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            await check_webhook_url(field, value, allow_private)
    async with db.write() as session:
        row = await session.get(WebhookSettings, actor.account_id)
        if row is None:
            row = WebhookSettings(account_id=actor.account_id, secret=SECRET_PREFIX + secrets.token_hex(24))
            row.inbound_url = row.delivery_url = row.survey_url = ""
            session.add(row)
        changes: dict[str, object] = {}
        for field in _URL_FIELDS:
            value = getattr(data, field)
            if value is not msgspec.UNSET and value != getattr(row, field):
                changes[field] = [getattr(row, field), value]
                setattr(row, field, value)
        if data.regenerate_secret:
            row.secret = SECRET_PREFIX + secrets.token_hex(24)
            changes["secret_regenerated"] = True
        if changes:
            await record_audit(session, actor, "webhooks.updated", ("webhooks", None, "Webhooks"), changes)
        await session.flush()
        return _read(row)


async def list_webhook_calls(db: Database, actor: Actor, before_id: int | None, limit: int) -> WebhookCallPage:
    """A page of the account's delivery log, newest first."""
    check_is_admin(actor)
    query = select(WebhookOutbox).where(WebhookOutbox.account_id == actor.account_id)
    if before_id is not None:
        query = query.where(WebhookOutbox.id < before_id)
    async with db.read() as session:
        rows = list(await session.scalars(query.order_by(WebhookOutbox.id.desc()).limit(limit + 1)))
    items = [
        WebhookCallRead(
            id=r.id,
            kind=cast(WebhookKind, r.kind),
            url=r.url,
            webhook_id=r.webhook_id,
            status=cast(WebhookStatus, r.status),
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at,
            last_status=r.last_status,
            last_error=r.last_error,
            created_at=r.created_at,
            finished_at=r.finished_at,
        )
        for r in rows[:limit]
    ]
    return WebhookCallPage(items=items, has_more=len(rows) > limit)


def _select_due(now: datetime, limit: int) -> Select[int]:
    """The ids of pending calls whose time has come and that nobody holds, oldest first."""
    return (
        select(WebhookOutbox.id)
        .where(
            WebhookOutbox.status == "pending",
            WebhookOutbox.next_attempt_at <= now,
            or_(WebhookOutbox.lease_until.is_(None), WebhookOutbox.lease_until <= now),
        )
        .order_by(WebhookOutbox.id)
        .limit(limit)
    )


async def claim_webhook_calls(db: Database, lease: timedelta, limit: int) -> list[WebhookCall]:
    """Take up to `limit` due calls for `lease` (each claim is an attempt); rows others hold are skipped."""
    now = datetime.now(UTC)
    async with db.read() as session:
        # Idle most of the time: a read finds that out without taking the (SQLite: the only) write lock.
        if (await session.execute(_select_due(now, 1))).first() is None:
            return []
    due = _select_due(now, limit)
    if not db.is_sqlite:
        due = due.with_for_update(skip_locked=True)
    claim = (
        update(WebhookOutbox)
        .where(WebhookOutbox.id.in_(due.scalar_subquery()))
        .values(lease_until=now + lease, attempts=WebhookOutbox.attempts + 1)
        .returning(WebhookOutbox.id)
    )
    async with db.write() as session:
        ids = list((await session.execute(claim)).scalars())
        query = (
            select(WebhookOutbox, WebhookSettings.secret)
            .join(WebhookSettings, WebhookSettings.account_id == WebhookOutbox.account_id)
            .where(WebhookOutbox.id.in_(ids))
            .order_by(WebhookOutbox.id)
        )
        rows = (await session.execute(query)).all() if ids else []
    return [
        WebhookCall(
            id=r.id, url=r.url, webhook_id=r.webhook_id, kind=r.kind, body=r.body, attempt=r.attempts, secret=secret
        )
        for r, secret in rows
    ]


def get_retry_delay(attempt: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … capped."""
    return timedelta(seconds=min(max_seconds, base_seconds * 2 ** max(0, attempt - 1)))


async def record_webhook_result(
    db: Database, call: WebhookCall, result: CallResult, max_attempts: int, retry_delay: timedelta
) -> bool:
    """Record one attempt's outcome, unless another claim took the row since (returns whether it was recorded)."""
    now = datetime.now(UTC)
    values: dict[str, object] = {"lease_until": None, "last_status": result.status, "last_error": result.error}
    if result.ok:
        values |= {"status": "delivered", "finished_at": now, "last_error": None}
    elif call.attempt >= max_attempts:
        values |= {"status": "failed", "finished_at": now}
    else:
        values["next_attempt_at"] = now + retry_delay
    mine = update(WebhookOutbox).where(
        WebhookOutbox.id == call.id, WebhookOutbox.attempts == call.attempt, WebhookOutbox.status == "pending"
    )
    async with db.write() as session:
        return await execute_dml(session, mine.values(**values)) == 1


FINISHED = ("delivered", "failed")


async def prune_webhook_log(db: Database, older_than: timedelta, keep_per_account: int) -> int:
    """Delete finished calls older than `older_than`, and beyond the newest `keep_per_account` of each account."""
    finished = WebhookOutbox.status.in_(FINISHED)
    async with db.write() as session:
        deleted = await execute_dml(
            session, delete(WebhookOutbox).where(finished, WebhookOutbox.finished_at < datetime.now(UTC) - older_than)
        )
        accounts = (await session.scalars(select(WebhookOutbox.account_id).where(finished).distinct())).all()
        for account_id in accounts:
            newest = select(WebhookOutbox.id).where(finished, WebhookOutbox.account_id == account_id)
            boundary = await session.scalar(newest.order_by(WebhookOutbox.id.desc()).offset(keep_per_account).limit(1))
            if boundary is not None:
                old = delete(WebhookOutbox).where(
                    finished, WebhookOutbox.account_id == account_id, WebhookOutbox.id <= boundary
                )
                deleted += await execute_dml(session, old)
    return deleted
