"""E-mail to SMS: an accepted mail becomes one send to its tags' subscribers (docs/mail.md).

The SMTP listener (ingress/smtp.py) turns a mail into a MailIn and calls `send_mail_message`, which checks who
may mail, folds repeats, rate-limits a flapping sender, and sends through `send_message` as the account's mail
login, with that login's permissions and the `messages:send` scope only: e-mail gets no way around the checks.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import MailFold, MailReceipt, MailSettings, Message, ThreadMessage
from communicator.db.session import Database
from communicator.events import MessageFolded, record_event
from communicator.schemas import MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput, NotFound
from communicator.services.directory.tags import select_tag_subscribers
from communicator.services.identity.auth import get_user_actor
from communicator.services.integrations.mail import check_mail_target, get_mail_user, load_mail_settings
from communicator.services.messaging.send import MAX_TEXT_LENGTH, send_message
from communicator.settings import Settings
from communicator.sms.tags import extract_tags

ELLIPSIS = "…"
RATE_WINDOW = timedelta(hours=1)
MAX_FOLD = timedelta(days=7)  # the longest fold window the API accepts


class MailIn(msgspec.Struct, frozen=True, kw_only=True):
    """A mail as the listener hands it over: envelope sender and recipient, subject and plain-text body."""

    sender: str
    recipient: str
    subject: str
    body: str


class MailOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What became of an accepted mail: the message it was sent as, or folded into (folded > 0)."""

    message_id: int
    folded: int


class _Accepted(msgspec.Struct, frozen=True, kw_only=True):
    """An authorised mail: whom it sends as, and the account's effective hygiene."""

    actor: Actor
    fold: timedelta
    rate_per_hour: int


def compose_sms(subject: str, body: str, limit: int) -> str:
    """Subject, then body, whitespace tidied, cut to the limit with «…»."""
    lines = [" ".join(line.split()) for line in f"{subject}\n{body}".splitlines()]
    text = re.sub(r"\n{2,}", "\n", "\n".join(line for line in lines if line)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


async def send_mail_message(db: Database, settings: Settings, mail: MailIn) -> MailOutcome:
    """Send an accepted mail to the subscribers of its #tags, or fold it into the same alert sent just now."""
    accepted = await check_mail_sender(db, settings, mail.sender, mail.recipient)
    limit = min(settings.mail_max_sms_chars, MAX_TEXT_LENGTH)
    text = compose_sms(mail.subject, mail.body, limit)
    if not text:
        raise InvalidInput("The mail has neither subject nor text.", code="mail_empty")
    tags = await _list_subscribed_tags(db, accepted.actor.account_id, f"{mail.subject}\n{mail.body}")
    text_hash = hashlib.sha256(text.encode()).hexdigest()
    folded = await _record_fold(db, accepted, mail.sender, text_hash)
    if folded is not None:
        return folded
    data = MessageCreate(text=text, recipients=Recipients(tags=tags))
    message = await send_message(db, accepted.actor, data)
    async with db.write() as session:
        await _record_sent(session, accepted.actor.account_id, mail.sender, text_hash, message.id)
    return MailOutcome(message_id=message.id, folded=0)


async def check_mail_sender(db: Database, settings: Settings, sender: str, recipient: str) -> _Accepted:
    """Whom the mail sends as, or NotFound / Forbidden naming why this sender may not mail this address."""
    target = check_mail_target(settings.mail_domain, recipient)
    async with db.read() as session:
        row = await load_mail_settings(session, target.account_id) if target else None
        if target is None or row is None:
            raise NotFound(f"No such mailbox: {recipient}.", code="mail_no_mailbox")
        user = await get_mail_user(session, row.user_id)
        allowed = sender.strip().lower() in row.allowed_senders
        if not allowed and not (target.secret and hmac.compare_digest(target.secret, row.secret)):
            raise Forbidden(f"{sender or '<>'} may not send to {recipient}.", code="mail_sender_not_allowed")
        if user is None or not user.active:
            raise Forbidden("E-mail to SMS is switched off for this account.", code="mail_login_inactive")
        rate = settings.mail_rate_per_hour if row.rate_per_hour is None else row.rate_per_hour
        await _check_rate(session, row, sender, rate)
    fold = settings.mail_fold_seconds if row.fold_seconds is None else row.fold_seconds
    actor = msgspec.structs.replace(get_user_actor(user), scopes=frozenset({"messages:send"}))
    return _Accepted(actor=actor, fold=timedelta(seconds=fold), rate_per_hour=rate)


async def _check_rate(session: AsyncSession, row: MailSettings, sender: str, rate_per_hour: int) -> None:
    """Refuse a sender that mailed the account `rate_per_hour` times within the last hour."""
    since = datetime.now(UTC) - RATE_WINDOW
    query = select(func.count()).where(
        MailReceipt.account_id == row.account_id, MailReceipt.sender == sender.lower(), MailReceipt.at > since
    )
    if (await session.scalar(query) or 0) >= rate_per_hour:
        raise Forbidden(
            f"{sender} sent {rate_per_hour} mails within the hour; more are refused for now.",
            {"rate_per_hour": rate_per_hour},
            code="mail_rate_limited",
        )


async def _list_subscribed_tags(db: Database, account_id: int, text: str) -> list[str]:
    """The mail's #tags that have active subscribers, or InvalidInput (a mail nobody would get is refused)."""
    found = extract_tags(text)
    if not found:
        raise InvalidInput("The mail names no #tag; put one in the subject or text.", code="mail_no_tags")
    async with db.read() as session:
        rows = (await session.execute(select_tag_subscribers(account_id, found))).all()
    subscribed = {tag for tag, _ in rows}
    tags = [tag for tag in found if tag in subscribed]
    if not tags:
        listed = ", ".join(f"#{tag}" for tag in found)
        raise InvalidInput(f"Nobody subscribes to {listed}.", {"tags": found}, code="unknown_tags")
    return tags


async def _record_fold(db: Database, accepted: _Accepted, sender: str, text_hash: str) -> MailOutcome | None:
    """Fold the mail into the same text sent within the window (counted, with an event); None when there is none."""
    account_id = accepted.actor.account_id
    since = datetime.now(UTC) - accepted.fold
    async with db.write() as session:
        fold = await session.get(MailFold, (account_id, text_hash))
        if fold is None or fold.first_at <= since or accepted.fold.total_seconds() == 0:
            return None
        bump = update(Message).where(Message.id == fold.message_id).values(folded=Message.folded + 1)
        await session.execute(bump)
        folded = await session.scalar(select(Message.folded).where(Message.id == fold.message_id)) or 0
        threads = select(ThreadMessage.thread_id).where(ThreadMessage.message_id == fold.message_id)
        thread_ids = sorted(await session.scalars(threads))
        session.add(MailReceipt(account_id=account_id, sender=sender.lower(), at=datetime.now(UTC)))
        await record_event(
            session, account_id, MessageFolded(message_id=fold.message_id, folded=folded, thread_ids=thread_ids)
        )
        return MailOutcome(message_id=fold.message_id, folded=folded)


async def _record_sent(session: AsyncSession, account_id: int, sender: str, text_hash: str, message_id: int) -> None:
    """Remember the sent text for folding and count the mail for the rate limit."""
    now = datetime.now(UTC)
    fold = await session.get(MailFold, (account_id, text_hash))
    if fold is None:
        session.add(MailFold(account_id=account_id, text_hash=text_hash, message_id=message_id, first_at=now))
    else:
        fold.message_id, fold.first_at = message_id, now
    session.add(MailReceipt(account_id=account_id, sender=sender.lower(), at=now, message_id=message_id))
    # Both tables only matter within their windows (an hour; at most the longest fold window): keep them small.
    await session.execute(
        delete(MailReceipt).where(MailReceipt.account_id == account_id, MailReceipt.at < now - RATE_WINDOW)
    )
    await session.execute(delete(MailFold).where(MailFold.account_id == account_id, MailFold.first_at < now - MAX_FOLD))
