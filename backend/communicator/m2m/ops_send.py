"""The sending operations: M2M arguments → the messaging services → message ids."""

from __future__ import annotations

from typing import Any

from communicator.db.session import Database
from communicator.m2m.codec import check_list_id, parse_datetime
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.directory.employees import check_phone
from communicator.services.messaging.mailing import send_mailing
from communicator.services.messaging.send import send_message
from communicator.services.messaging.send_many import group_by_text, send_texts

# The account's large-send confirmation guards the web composer; the M2M interface has no way to confirm,
# and an integration that sends means to (docs/m2m.md).
MACHINE_CONFIRMED = True
MAX_VALID_MINUTES = 7 * 24 * 60  # what MessageCreate.valid_minutes allows


def to_msid(phone: str) -> str:
    """A stored phone as an msid: digits with the country code, no «+»."""
    return phone.lstrip("+")


def _numbers(raw: list[str] | None) -> list[str]:
    """The recipients as given, each checked and normalized, de-duplicated in order."""
    numbers = [check_phone(n) for n in (raw or []) if n and n.strip()]
    if not numbers:
        raise InvalidInput("No recipients: give at least one msid.", code="no_recipients")
    return list(dict.fromkeys(numbers))


def _options(args: dict[str, Any]) -> dict[str, Any]:
    """MessageCreate's send_at, valid_minutes and sender_name from the operation's date, validity and naming.

    A date without an offset stays naive: the scheduling service reads it in the account's time zone
    (docs/scheduling.md). An empty naming sends from the account's short number.
    """
    return {**_timing(args), "sender_name": (args.get("naming") or "").strip() or None}


def _timing(args: dict[str, Any]) -> dict[str, Any]:
    """send_at and valid_minutes from the operation's date and validity period."""
    send_at = args.get("scheduledSendDate", args.get("date"))
    if isinstance(send_at, str):
        send_at = parse_datetime("scheduledSendDate", send_at) if send_at.strip() else None
    raw = (args.get("validityPeriod") or "").strip()
    if not raw:
        return {"send_at": send_at, "valid_minutes": None}
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_VALID_MINUTES:
        raise InvalidInput(
            f"validityPeriod: «{raw[:20]}» is not a number of minutes from 1 to {MAX_VALID_MINUTES}.",
            {"field": "validityPeriod"},
            code="bad_value",
        )
    return {"send_at": send_at, "valid_minutes": int(raw)}


async def _send(db: Database, actor: Actor, numbers: list[str], args: dict[str, Any]) -> int:
    """One message to the numbers through the same action as the web app (scheduled if asked); its id."""
    text = args["message"] or ""
    recipients = Recipients(numbers=numbers)
    data = MessageCreate(text=text, recipients=recipients, confirmed=MACHINE_CONFIRMED, **_options(args))
    return (await send_message(db, actor, data)).id


async def send_one(db: Database, actor: Actor, args: dict[str, Any]) -> int:
    """SendMessage (and its dated variants): one recipient."""
    return await _send(db, actor, _numbers([args["msid"] or ""]), args)


async def send_many(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """SendMessages / SendMessageToMultipleSubscribers (and dated variants): one message, one delivery per msid."""
    numbers = _numbers(args["msids"])
    message_id = await _send(db, actor, numbers, args)
    return [{"Msid": to_msid(n), "MessageID": message_id} for n in numbers]


async def send_various(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """SendVariousMessages: a text per msid, all accepted or none."""
    options = _options(args)
    pairs: dict[str, str] = {}
    for item in args["msidsAndMessages"] or []:
        if item is not None:
            pairs.setdefault(check_phone(item["Msid"] or ""), item["Message"] or "")
    if not pairs:
        raise InvalidInput("No recipients: give at least one Submit.", code="no_recipients")
    groups = group_by_text(list(pairs.items()))
    reads = await send_texts(db, actor, groups, confirmed=MACHINE_CONFIRMED, **options)
    ids = {phone: read.id for read, group in zip(reads, groups, strict=True) for phone in group.phones}
    return [{"Msid": to_msid(phone), "MessageID": ids[phone]} for phone in pairs]


async def create_mailing(db: Database, actor: Actor, args: dict[str, Any]) -> None:
    """CreateMailing: the list's contacts each get the text rendered with their attributes."""
    if args["mailingListID"] is None:
        raise InvalidInput("mailingListID is required.", code="bad_value")
    list_id = check_list_id(args["mailingListID"])
    await send_mailing(db, actor, list_id, args["text"] or "", MACHINE_CONFIRMED, **_options(args))
