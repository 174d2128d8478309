"""Sending: compose → recipients → permission check → message + deliveries (the queue) → event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import msgspec
from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Delivery, Employee, Message, MessageTarget
from communicator.db.session import Database, wake_gateways_after_commit
from communicator.domain import DeliveryStatus, ThreadKind
from communicator.events import MessageCreated, record_event
from communicator.schemas import MessageCreate, MessageRead
from communicator.services.core import permissions
from communicator.services.core.access import access_row
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, InvalidInput
from communicator.services.directory.employees import check_phones
from communicator.services.directory.groups import check_employees_exist, check_groups_exist, list_group_member_phones
from communicator.services.directory.numbering import get_operator
from communicator.services.directory.tag_list import resolve_tag_recipients
from communicator.services.messaging.contact_threads import record_contact_threads
from communicator.services.messaging.schedule import Timing, check_timing
from communicator.services.messaging.sender_names import check_sender_name
from communicator.services.messaging.tag_threads import record_in_tag_threads
from communicator.services.messaging.threads import (
    check_message_visible,
    record_in_employee_threads,
    record_in_threads,
    record_thread,
    touch_threads,
)
from communicator.services.messaging.views import FIRST_PAGE, DeliveryQuery, get_message_page
from communicator.sms.segments import count_segments

MAX_TEXT_LENGTH = 1000
NOW = Timing()  # deliveries go out at once, with no validity period


def check_text(text: str) -> str:
    """The text to send, or InvalidInput saying what is wrong with it."""
    if not text.strip():
        raise InvalidInput("The message text is empty.", code="text_empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput(
            f"The message text is {len(text)} characters long; the limit is {MAX_TEXT_LENGTH}.",
            {"length": len(text), "limit": MAX_TEXT_LENGTH},
            code="text_too_long",
        )
    return text


async def _phones_by_employee(session: AsyncSession, employee_ids: set[int]) -> dict[int, str]:
    """The phone of each given employee."""
    if not employee_ids:
        return {}
    rows = await session.execute(select(Employee.id, Employee.phone).where(Employee.id.in_(employee_ids)))
    return dict(rows.all())


async def _employees_by_phone(session: AsyncSession, account_id: int, phones: list[str]) -> dict[str, int]:
    """Which of these phones belong to employees of the account."""
    if not phones:
        return {}
    query = select(Employee.phone, Employee.id).where(Employee.account_id == account_id, Employee.phone.in_(phones))
    rows = await session.execute(query)
    return dict(rows.all())


async def resolve_recipients(session: AsyncSession, actor: Actor, data: MessageCreate) -> dict[str, int | None]:
    """Every recipient phone (de-duplicated) mapped to its employee, if any."""
    numbers = check_phones(data.recipients.numbers)
    await check_groups_exist(session, actor.account_id, data.recipients.groups)
    direct = await check_employees_exist(session, actor.account_id, data.recipients.employees, active_only=True)
    # Phones come with the members (a 100,000-member group must not come back as 100,000 bound ids).
    via_groups = await list_group_member_phones(session, actor.account_id, data.recipients.groups)
    via_tags, tag_contacts = await resolve_tag_recipients(session, actor.account_id, data.recipients.tags)
    members = await _phones_by_employee(session, via_tags - direct.keys() - via_groups.keys())
    everyone = {**via_groups, **members, **direct}
    phones: dict[str, int | None] = {phone: employee_id for employee_id, phone in everyone.items()}
    others = [*numbers, *sorted(tag_contacts)]
    known = await _employees_by_phone(session, actor.account_id, others)
    for phone in others:
        phones.setdefault(phone, known.get(phone))
    if not phones:
        raise InvalidInput("No recipients: choose employees, groups, tags or phone numbers.", code="no_recipients")
    return phones


async def check_confirmed(session: AsyncSession, account_id: int, recipients: int, parts: int, confirmed: bool) -> None:
    """A send of more SMS than the account's threshold must say `confirmed`; the error names the figures."""
    threshold = await session.scalar(select(Account.confirm_threshold_sms).where(Account.id == account_id))
    total = recipients * parts
    if not confirmed and threshold is not None and total > threshold:
        figures = {"recipients": recipients, "parts": parts, "total": total, "threshold": threshold}
        raise Conflict(
            f"This sends {recipients} recipients x {parts} parts = {total} SMS, above the account's threshold of "
            f"{threshold}; send again with confirmed: true.",
            figures,
            code="confirmation_required",
        )


async def send_message(db: Database, actor: Actor, data: MessageCreate) -> MessageRead:
    """Accept a message: store it with one delivery per phone (Pending, or Scheduled to send later), in one transaction."""
    permissions.check_scope(actor, "messages:send")
    check_text(data.text)
    async with db.write() as session:
        now = datetime.now(UTC)
        timing = await check_timing(session, actor.account_id, data.send_at, data.valid_minutes, now)
        phones = await resolve_recipients(session, actor, data)
        return await send_resolved(session, actor, data, phones, data.recipients.groups, timing)


async def send_resolved(
    session: AsyncSession,
    actor: Actor,
    data: MessageCreate,
    phones: dict[str, int | None],
    group_ids: list[int],
    timing: Timing = NOW,
    follow_up_of: int | None = None,
) -> MessageRead:
    """Check and store a send whose recipients are known, record its event and wake the gateways when it is due now."""
    await permissions.check_may_send(session, actor, phones)
    await check_confirmed(session, actor.account_id, len(phones), count_segments(data.text).parts, data.confirmed)
    sender_name = await check_sender_name(session, actor.account_id, data.sender_name)
    message = await _record_outbound(session, actor, data.text, group_ids, phones, timing, follow_up_of, sender_name)
    await record_in_tag_threads(session, actor.account_id, message.id, data.text, data.recipients.tags)
    read = await get_message_page(session, message)
    read = msgspec.structs.replace(read, client_id=data.client_id)  # not stored: only the sending tab needs it
    thread_ids = await touch_threads(session, message.id, message.created_at)
    # The event carries the summary, not the (possibly huge) delivery list.
    summary_only = msgspec.structs.replace(read, deliveries=None, deliveries_next=None)
    await record_event(session, actor.account_id, MessageCreated(message=summary_only, thread_ids=thread_ids))
    if timing.send_at is None:
        wake_gateways_after_commit(session)
    return read


async def _list_operator_overrides(session: AsyncSession, account_id: int) -> dict[str, str]:
    """The phones whose operator an admin set by hand (few: only numbers that moved)."""
    query = select(Employee.phone, Employee.operator_override).where(
        Employee.account_id == account_id, Employee.operator_override.is_not(None)
    )
    return {phone: operator or "" for phone, operator in await session.execute(query)}


async def _insert_deliveries(session: AsyncSession, message: Message, phones: dict[str, int | None]) -> None:
    """One delivery per phone with its operator (billing), in one multi-row insert (the queue is these rows)."""
    overrides = await _list_operator_overrides(session, message.account_id)
    # A scheduled one waits as Scheduled with its due time where a Pending row keeps its "not before".
    status = DeliveryStatus.SCHEDULED if message.send_at else DeliveryStatus.PENDING
    rows = [
        {
            "account_id": message.account_id,
            "message_id": message.id,
            "phone": phone,
            "employee_id": employee_id,
            "status": status,
            "lease_until": message.send_at,
            "expires_at": message.valid_until,
            "parts": message.parts,
            "attempts": 0,
            "updated_at": message.created_at,
            "possible_duplicate": False,
            "operator": get_operator(phone, overrides.get(phone)),
        }
        for phone, employee_id in phones.items()
    ]
    # The table, not the mapped class: a plain executemany, without the ORM's per-row bookkeeping.
    await session.execute(insert(cast(Table, Delivery.__table__)), rows)


async def _record_outbound(
    session: AsyncSession,
    actor: Actor,
    text: str,
    group_ids: list[int],
    phones: dict[str, int | None],
    timing: Timing,
    follow_up_of: int | None,
    sender_name: str | None = None,
) -> Message:
    """Insert the message, its deliveries and its thread links."""
    now = datetime.now(UTC)
    segments = count_segments(text)
    message = Message(
        account_id=actor.account_id,
        direction="out",
        text=text,
        parts=segments.parts,
        encoding=segments.encoding,
        created_at=now,
        author_user_id=actor.user_id,
        follow_up_of=follow_up_of,
        send_at=timing.send_at,
        valid_until=timing.valid_until,
        sender_name=sender_name,
    )
    session.add(message)
    await session.flush()
    await _insert_deliveries(session, message, phones)
    for group_id in sorted(set(group_ids)):
        session.add(MessageTarget(message_id=message.id, group_id=group_id))
    threads = [await record_thread(session, actor.account_id, ThreadKind.GROUP, g) for g in sorted(set(group_ids))]
    numbers = [phone for phone, employee_id in phones.items() if employee_id is None]
    threads += (await record_contact_threads(session, actor.account_id, numbers)).values()
    await record_in_threads(session, message.id, threads)
    if any(employee_id is not None for employee_id in phones.values()):
        await record_in_employee_threads(session, actor.account_id, message.id)
    return message


async def get_message(db: Database, actor: Actor, message_id: int, page_of: DeliveryQuery = FIRST_PAGE) -> MessageRead:
    """One message the caller may see, with a page of the deliveries they may see (the summary counts them all)."""
    permissions.check_scope(actor, "messages:read")
    async with db.read() as session:
        message = await access_row(session, Message, message_id, actor, "Message")
        reach = await permissions.get_reach(session, actor)
        await check_message_visible(session, reach, message.id)
        return await get_message_page(session, message, reach, page_of)
