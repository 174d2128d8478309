"""The sending operations: M2M arguments → the messaging services → message ids."""

from __future__ import annotations

from typing import Any

from communicator.db.session import Database
from communicator.m2m.codec import parse_datetime
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput, ServiceError
from communicator.services.directory.employees import check_phone
from communicator.services.messaging.mailing import send_mailing
from communicator.services.messaging.send import send_message
from communicator.services.messaging.send_many import group_by_text, send_texts


class NotAvailable(ServiceError):
    """A part of the interface this server cannot do yet (a soap:Server fault)."""

    status_code = 501


# The account's large-send confirmation guards the web composer; the M2M interface has no way to confirm,
# and an integration that sends means to (docs/m2m.md).
MACHINE_CONFIRMED = True
SCHEDULED_UNAVAILABLE = "Scheduled sends are not available yet: send without a date and validity period."


def to_msid(phone: str) -> str:
    """A stored phone as an msid: digits with the country code, no «+»."""
    return phone.lstrip("+")


def _numbers(raw: list[str] | None) -> list[str]:
    """The recipients as given, each checked and normalized, de-duplicated in order."""
    numbers = [check_phone(n) for n in (raw or []) if n and n.strip()]
    if not numbers:
        raise InvalidInput("No recipients: give at least one msid.", code="no_recipients")
    return list(dict.fromkeys(numbers))


def _check_not_scheduled(args: dict[str, Any]) -> None:
    """Refuse a date or validity period until scheduled sends exist (nothing is sent)."""
    for name in ("scheduledSendDate", "validityPeriod", "date"):
        if args.get(name) not in (None, ""):
            raise NotAvailable(SCHEDULED_UNAVAILABLE, {"field": name}, code="scheduled_unavailable")


async def _send(db: Database, actor: Actor, numbers: list[str], text: str | None) -> int:
    """One message to the numbers through the same action as the web app; its id."""
    data = MessageCreate(text=text or "", recipients=Recipients(numbers=numbers), confirmed=MACHINE_CONFIRMED)
    return (await send_message(db, actor, data)).id


async def send_one(db: Database, actor: Actor, args: dict[str, Any]) -> int:
    """SendMessage (and its dated variants): one recipient."""
    _check_not_scheduled(args)
    return await _send(db, actor, _numbers([args["msid"] or ""]), args["message"])


async def send_many(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """SendMessages / SendMessageToMultipleSubscribers (and dated variants): one message, one delivery per msid."""
    _check_not_scheduled(args)
    numbers = _numbers(args["msids"])
    message_id = await _send(db, actor, numbers, args["message"])
    return [{"Msid": to_msid(n), "MessageID": message_id} for n in numbers]


async def send_various(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """SendVariousMessages: a text per msid, all accepted or none."""
    _check_not_scheduled(args)
    pairs: dict[str, str] = {}
    for item in args["msidsAndMessages"] or []:
        if item is not None:
            pairs.setdefault(check_phone(item["Msid"] or ""), item["Message"] or "")
    if not pairs:
        raise InvalidInput("No recipients: give at least one Submit.", code="no_recipients")
    groups = group_by_text(list(pairs.items()))
    reads = await send_texts(db, actor, groups, confirmed=MACHINE_CONFIRMED)
    ids = {phone: read.id for read, group in zip(reads, groups, strict=True) for phone in group.phones}
    return [{"Msid": to_msid(phone), "MessageID": ids[phone]} for phone in pairs]


async def create_mailing(db: Database, actor: Actor, args: dict[str, Any]) -> None:
    """CreateMailing: the list's contacts each get the text rendered with their attributes."""
    if args["date"]:
        parse_datetime("date", args["date"])  # a malformed date is the client's error, not ours
    _check_not_scheduled(args)
    if args["mailingListID"] is None:
        raise InvalidInput("mailingListID is required.", code="bad_value")
    await send_mailing(db, actor, args["mailingListID"], args["text"] or "", confirmed=MACHINE_CONFIRMED)
