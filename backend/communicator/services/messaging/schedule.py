"""Scheduled sends and validity periods: the due-time release, timeouts and cancelling. See docs/scheduling.md.

A scheduled message's deliveries are stored Scheduled with their due time in `lease_until` (the queue index
already covers (status, lease_until)); the gateway's claim takes only Pending rows, so nothing goes out early.
`release_due_deliveries` moves due rows to Pending in one UPDATE that re-checks the status, so two releasers
(two gateway processes, or one restarted) never release a row twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Delivery, Message
from communicator.db.session import Database, wake_gateways_after_commit
from communicator.domain import DeliveryStatus
from communicator.schemas import MessageRead
from communicator.services.core import permissions
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import Conflict, Forbidden, InvalidInput
from communicator.services.messaging.delivery import record_status_events
from communicator.services.messaging.threads import check_message_visible
from communicator.services.messaging.views import get_message_page

# A send time this little in the past is clock skew between client and server: it is sent at once.
PAST_GRACE = timedelta(minutes=5)
MAX_AHEAD = timedelta(days=366)
# Rows moved per transaction: each batch's delivery.updated events carry its rows.
BATCH = 1000


class Timing(msgspec.Struct, frozen=True, kw_only=True):
    """When a message's deliveries may go out (None: now) and until when they may be handed to the SMSC."""

    send_at: datetime | None = None
    valid_until: datetime | None = None


async def check_timing(
    session: AsyncSession, account_id: int, send_at: datetime | None, valid_minutes: int | None, now: datetime
) -> Timing:
    """The send time in UTC (a naive one is the account's local time) and the validity end, or InvalidInput."""
    if send_at is not None and send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=await _get_zone(session, account_id))
    if send_at is not None:
        send_at = send_at.astimezone(UTC)
        if send_at < now - PAST_GRACE:
            raise InvalidInput(
                f"The send time {send_at.isoformat()} is in the past.", {"send_at": send_at}, code="send_at_past"
            )
        if send_at > now + MAX_AHEAD:
            raise InvalidInput("The send time is more than a year ahead.", {"send_at": send_at}, code="send_at_too_far")
        if send_at <= now:
            send_at = None
    start = send_at or now
    valid_until = start + timedelta(minutes=valid_minutes) if valid_minutes is not None else None
    return Timing(send_at=send_at, valid_until=valid_until)


async def _get_zone(session: AsyncSession, account_id: int) -> ZoneInfo:
    """The account's time zone (UTC if it has none)."""
    zone = await session.scalar(select(Account.timezone).where(Account.id == account_id))
    return ZoneInfo(zone or "UTC")


async def get_account_zone(db: Database, actor: Actor) -> ZoneInfo:
    """The actor's account's time zone: naive dates it gives and dates shown to it are in this zone."""
    async with db.read() as session:
        return await _get_zone(session, actor.account_id)


def _locked_ids(db: Database, where: ColumnElement[bool]) -> Select[int]:
    """A batch of delivery ids matching `where`; on PostgreSQL locked, skipping rows another releaser holds."""
    query = select(Delivery.id).where(where).order_by(Delivery.id).limit(BATCH)
    return query if db.is_sqlite else query.with_for_update(skip_locked=True)


async def _move(db: Database, where: ColumnElement[bool], values: dict[str, object], wake: bool) -> int:
    """Move one batch of matching deliveries, re-checking `where` in the UPDATE; returns how many moved."""
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(_locked_ids(db, where).scalar_subquery()), where)
        .values(**values)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    async with db.write() as session:
        ids = list((await session.scalars(statement)).all())
        await record_status_events(session, ids)
        if ids and wake:
            wake_gateways_after_commit(session)
    return len(ids)


async def release_due_deliveries(db: Database, now: datetime | None = None) -> int:
    """Scheduled deliveries whose time has come → Pending, each exactly once; returns how many."""
    now = now or datetime.now(UTC)
    due = and_(Delivery.status == DeliveryStatus.SCHEDULED, Delivery.lease_until <= now)
    values: dict[str, object] = {"status": DeliveryStatus.PENDING, "lease_until": None, "updated_at": now}
    total = 0
    while moved := await _move(db, due, values, wake=True):
        total += moved
    return total


async def apply_timeouts(db: Database, now: datetime | None = None) -> int:
    """Deliveries not handed to the SMSC within their validity period → TimedOut; returns how many."""
    now = now or datetime.now(UTC)
    waiting = or_(
        Delivery.status.in_([DeliveryStatus.SCHEDULED, DeliveryStatus.PENDING]),
        # A Sending row whose lease ran out: its worker died before recording an answer.
        and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until <= now),
    )
    expired = and_(waiting, Delivery.expires_at <= now)
    values: dict[str, object] = {"status": DeliveryStatus.TIMED_OUT, "updated_at": now, "error": "validity expired"}
    total = 0
    while moved := await _move(db, expired, values, wake=False):
        total += moved
    return total


async def cancel_message(db: Database, actor: Actor, message_id: int) -> MessageRead:
    """Cancel a scheduled message before its send time: its Scheduled deliveries → Cancelled, audited."""
    permissions.check_scope(actor, "messages:send")
    async with db.write() as session:
        message = await access_row(session, Message, message_id, actor, "Message")
        reach = await permissions.get_reach(session, actor)
        await check_message_visible(session, reach, message.id)
        if message.author_user_id != actor.user_id and not actor.is_admin:
            raise Forbidden("Only the author or an Administrator may cancel a message.", code="cancel_not_author")
        statement = (
            update(Delivery)
            .where(Delivery.message_id == message.id, Delivery.status == DeliveryStatus.SCHEDULED)
            .values(status=DeliveryStatus.CANCELLED, updated_at=datetime.now(UTC))
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
        ids = list((await session.scalars(statement)).all())
        if not ids:
            raise Conflict(
                f"Message {message.id} is not waiting for its send time (it was sent or cancelled already).",
                {"message_id": message.id},
                code="message_not_scheduled",
            )
        await record_status_events(session, ids)
        target = ("message", message.id, message.text[:50])
        await record_audit(session, actor, "message.cancelled", target, {"deliveries": len(ids)})
        return await get_message_page(session, message, reach)
