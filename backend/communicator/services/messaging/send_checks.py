"""Checking a send before anything is stored: its text, its recipients, the actor's reach, the confirmation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, Employee
from communicator.schemas import MessageCreate
from communicator.services.core import permissions
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, InvalidInput
from communicator.services.directory.employees import check_phones
from communicator.services.directory.groups import check_employees_exist, check_groups_exist, list_group_member_phones
from communicator.services.directory.tag_list import resolve_tag_recipients
from communicator.services.messaging.outbound import CheckedSend
from communicator.services.messaging.schedule import Timing, check_timing
from communicator.services.messaging.sender_names import check_sender_name
from communicator.sms.segments import count_segments

MAX_TEXT_LENGTH = 1000
NOW = Timing()  # deliveries go out at once, with no validity period


@dataclass
class AccountFacts:
    """What a batch of sends already read about an account: phones looked up (and the employees among them),
    and the confirmation threshold, so each send of the batch need not read them again."""

    looked_up: set[str] = field(default_factory=set)
    employees: dict[str, int] = field(default_factory=dict)
    threshold: int | None = None
    threshold_read: bool = False


async def get_threshold(session: AsyncSession, account_id: int) -> int | None:
    """The number of SMS above which a send must be confirmed (None: no threshold)."""
    return await session.scalar(select(Account.confirm_threshold_sms).where(Account.id == account_id))


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


async def resolve_recipients(
    session: AsyncSession, actor: Actor, data: MessageCreate, known: AccountFacts | None = None
) -> dict[str, int | None]:
    """Every recipient phone (de-duplicated) mapped to its employee, if any (`known`: phones already looked up)."""
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
    book = known or AccountFacts()
    unknown = [phone for phone in others if phone not in book.looked_up]
    employees = {**book.employees, **await _employees_by_phone(session, actor.account_id, unknown)}
    for phone in others:
        phones.setdefault(phone, employees.get(phone))
    if not phones:
        raise InvalidInput("No recipients: choose employees, groups, tags or phone numbers.", code="no_recipients")
    return phones


def check_confirmed(threshold: int | None, recipients: int, parts: int, confirmed: bool) -> None:
    """A send of more SMS than the account's threshold must say `confirmed`; the error names the figures."""
    total = recipients * parts
    if not confirmed and threshold is not None and total > threshold:
        figures = {"recipients": recipients, "parts": parts, "total": total, "threshold": threshold}
        raise Conflict(
            f"This sends {recipients} recipients x {parts} parts = {total} SMS, above the account's threshold of "
            f"{threshold}; send again with confirmed: true.",
            figures,
            code="confirmation_required",
        )


async def check_send(
    session: AsyncSession, actor: Actor, data: MessageCreate, now: datetime, known: AccountFacts | None = None
) -> CheckedSend:
    """Resolve and check one send of `send_message`; raises the refusal, stores nothing."""
    timing = await check_timing(session, actor.account_id, data.send_at, data.valid_minutes, now)
    phones = await resolve_recipients(session, actor, data, known)
    return await check_resolved(session, actor, data, phones, data.recipients.groups, timing, known=known)


async def check_resolved(
    session: AsyncSession,
    actor: Actor,
    data: MessageCreate,
    phones: dict[str, int | None],
    group_ids: list[int],
    timing: Timing = NOW,
    follow_up_of: int | None = None,
    known: AccountFacts | None = None,
) -> CheckedSend:
    """Check a send whose recipients are known: may the actor send to them, confirmed, its sender name."""
    await permissions.check_may_send(session, actor, phones)
    threshold = known.threshold if known and known.threshold_read else await get_threshold(session, actor.account_id)
    check_confirmed(threshold, len(phones), count_segments(data.text).parts, data.confirmed)
    sender_name = await check_sender_name(session, actor.account_id, data.sender_name)
    return CheckedSend(
        actor=actor,
        data=data,
        phones=phones,
        group_ids=group_ids,
        timing=timing,
        sender_name=sender_name,
        follow_up_of=follow_up_of,
    )
