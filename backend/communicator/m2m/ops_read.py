"""The reading and directory operations: M2M arguments → the services → result values (m2m/schema.py shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from communicator.db.session import Database
from communicator.domain import DeliveryStatus
from communicator.m2m.codec import as_account_time, to_account_time
from communicator.m2m.ops_send import to_msid
from communicator.m2m.schema import COMPLEX
from communicator.schemas import DeliveryRead, MessageRead
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.directory.employees import check_phones
from communicator.services.messaging.history import list_message_statuses, list_messages_between
from communicator.services.messaging.schedule import get_account_zone
from communicator.services.messaging.usage import get_month_usage, get_plan

DIRECTIONS = {"All": None, "MO": "in", "MT": "out"}
# Statuses the M2M DeliveryStatus enum lacks, as the nearest it has: a scheduled delivery is still to be sent.
M2M_STATUS = {"Scheduled": "Pending"}
STATISTICS_FIELDS = [f.name for f in COMPLEX["StatisticsInfo"]]


def required(args: dict[str, Any], name: str) -> Any:
    """A parameter that must be given."""
    if args.get(name) is None:
        raise InvalidInput(f"{name} is required.", {"field": name}, code="bad_value")
    return args[name]


def m2m_status(d: DeliveryRead) -> str:
    """A delivery's status in the M2M DeliveryStatus enum."""
    return M2M_STATUS.get(d.status.value, d.status.value)


def _delivery_info(d: DeliveryRead, parts: int, zone: ZoneInfo) -> dict[str, Any]:
    """A DeliveryInfo (dates in the account's zone)."""
    delivered = d.updated_at if d.status == DeliveryStatus.DELIVERED else None
    return {
        "Msid": to_msid(d.phone),
        "DeliveryStatus": m2m_status(d),
        "DeliveryDate": to_account_time(d.updated_at, zone),
        "UserDeliveryDate": to_account_time(delivered, zone),
        "PartCount": parts,
    }


async def get_message_status(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """GetMessageStatus: every recipient of the message."""
    (read,) = await list_message_statuses(db, actor, [required(args, "messageID")])
    zone = await get_account_zone(db, actor)
    return [_delivery_info(d, read.parts, zone) for d in read.deliveries or []]


async def get_messages_status(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """GetMessagesStatus: each message with its recipients."""
    reads = await list_message_statuses(db, actor, [i for i in args["messageIDs"] or [] if i is not None])
    zone = await get_account_zone(db, actor)
    return [
        {"MessageID": r.id, "Delivery": [_delivery_info(d, r.parts, zone) for d in r.deliveries or []]} for r in reads
    ]


def _message_info(read: MessageRead, zone: ZoneInfo) -> dict[str, Any]:
    """A MessageInfo: an inbound SMS (MO) or an outbound message with its recipients (MT); dates in the zone."""
    inbound = read.direction == "in"
    targets = [
        {
            "TargetMsid": to_msid(d.phone),
            "DeliveryStatus": m2m_status(d),
            "DeliveryDate": to_account_time(d.updated_at, zone),
            "TargetName": d.employee_name,
            "UserDeliveryDate": to_account_time(d.updated_at, zone) if d.status == DeliveryStatus.DELIVERED else None,
        }
        for d in read.deliveries or []
    ]
    return {
        "MessageID": read.id,
        "CreationDate": to_account_time(read.created_at, zone),
        "SenderMsid": to_msid(read.sender_phone) if inbound and read.sender_phone else None,
        "SenderName": read.employee_name if inbound else read.author_name,
        "DeliveryInfo": targets,
        "MessageType": "MO" if inbound else "MT",
        "MessageText": read.text,
    }


async def get_messages(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """GetMessages: the messages between two dates, newest first."""
    zone = await get_account_zone(db, actor)
    since, until = as_account_time(required(args, "DateFrom"), zone), as_account_time(required(args, "DateTo"), zone)
    direction = DIRECTIONS[args["messageType"] or "All"]
    phones = check_phones([p for p in args["subscriberMsids"] or [] if p])
    reads = await list_messages_between(db, actor, direction, phones, since, until)  # type: ignore[arg-type]
    return [_message_info(r, zone) for r in reads]


def _month_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instants of this and next month in the account's time zone."""
    local = now.astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, following


async def get_statistics(db: Database, actor: Actor, _args: dict[str, Any]) -> dict[str, Any]:
    """GetStatistics: this month's billed SMS parts; tariff figures stay 0 (docs/m2m.md)."""
    zone = await get_account_zone(db, actor)
    start, end = _month_bounds(datetime.now(zone), zone)
    usage = await get_month_usage(db, actor, start, end)
    figures: dict[str, Any] = {name: 0 for name in STATISTICS_FIELDS}
    figures.update(Year=start.year, Month=start.month, TotalBilledSms=usage.billed_parts)
    return figures


async def get_balance(_db: Database, _actor: Actor, _args: dict[str, Any]) -> str:
    """GetBalance: the amount accrued this month; no tariffs exist yet, so 0.00 (docs/m2m.md)."""
    return "0.00"


async def get_company_mode(db: Database, actor: Actor, _args: dict[str, Any]) -> str:
    """GetCompanyMode: the account's plan."""
    return await get_plan(db, actor)
