"""The SMTP listener: aiosmtpd on the app's event loop; a mail → one service call (docs/mail.md)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from communicator.db.session import Database
from communicator.ingress.mail_text import read_mail
from communicator.services.core.errors import InvalidInput, NotFound, ServiceError
from communicator.services.integrations.mail_receive import MailIn, check_mail_sender, send_mail_message
from communicator.settings import Settings

log = logging.getLogger(__name__)
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")
# Refusals that depend on what the mail says (554) rather than on who sent it where (550).
_CONTENT_CODES = frozenset({"mail_rate_limited"})


def get_smtp_reply(error: ServiceError) -> str:
    """The SMTP reply for a refusal: 550 for who/where, 554 for what; always one printable line."""
    reason = _UNPRINTABLE.sub("?", error.detail)[:400]
    if isinstance(error, NotFound):
        return f"550 5.1.1 {reason}"
    if isinstance(error, InvalidInput) or error.code in _CONTENT_CODES:
        return f"554 5.6.0 {reason}"
    return f"550 5.7.1 {reason}"


class MailHandler:
    """aiosmtpd handler: checks each recipient as it is named, sends at the end of DATA."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept one recipient: an account's address that this sender may mail."""
        if envelope.rcpt_tos:
            return "550 5.5.3 One recipient per mail: the mail's #tags choose who gets the SMS."
        try:
            await check_mail_sender(self.db, self.settings, envelope.mail_from or "", address)
        except ServiceError as error:
            return get_smtp_reply(error)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Turn the mail into one send (or a fold); refuse it whole, sending nothing, on any refusal."""
        raw = envelope.original_content or b""
        try:
            subject, body = read_mail(raw)
            mail = MailIn(sender=envelope.mail_from or "", recipient=envelope.rcpt_tos[0], subject=subject, body=body)
            outcome = await send_mail_message(self.db, self.settings, mail)
        except ServiceError as error:
            return get_smtp_reply(error)
        except Exception:
            log.exception("e-mail to SMS failed")
            return "451 4.3.0 Temporary failure; try again later."
        if outcome.folded:
            return f"250 2.0.0 Folded into message {outcome.message_id} (x{outcome.folded + 1})"
        return f"250 2.0.0 Sent as message {outcome.message_id}"


async def start_smtp_server(db: Database, settings: Settings) -> asyncio.Server:
    """Listen for mail on COMMUNICATOR_SMTP_HOST:PORT on the running loop (the app's Database is bound to it)."""
    handler = MailHandler(db, settings)

    def protocol() -> Any:
        """One SMTP session per connection."""
        return SMTP(
            handler,
            data_size_limit=settings.mail_max_bytes,
            hostname=settings.mail_domain,
            ident="Communicator mail2sms",
            enable_SMTPUTF8=True,
        )

    loop = asyncio.get_running_loop()
    return await loop.create_server(protocol, host=settings.smtp_host, port=settings.smtp_port)


async def run_smtp(settings: Settings) -> None:
    """`communicator smtp`: the listener alone; committed events and gateway wake-ups go through Redis when set.

    Without Redis nothing is lost: browsers get the events when they reconnect and gateways find the deliveries
    at their next poll.
    """
    db = Database(settings.database_url)
    server = await start_smtp_server(db, settings)
    print(f"SMTP listener on {settings.smtp_host}:{settings.smtp_port}", flush=True)
    try:
        if settings.redis_url:
            await _serve_with_redis(settings, db, server)
        else:
            await server.serve_forever()
    finally:
        server.close()
        await db.dispose()


async def _serve_with_redis(settings: Settings, db: Database, server: asyncio.Server) -> None:
    """Serve while publishing committed events and waking the gateway processes through Redis."""
    from litestar.channels.backends.redis import RedisChannelsPubSubBackend
    from redis.asyncio import Redis

    from communicator.events import Published
    from communicator.gateway.process import _publish_forever, wakeup_channel

    backend = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url or ""))
    await backend.on_startup()
    outbox: asyncio.Queue[Published] = asyncio.Queue()
    wakeups: set[asyncio.Task[None]] = set()

    def enqueue(events: list[Published]) -> None:
        """Hand committed events to the publishing task."""
        for event in events:
            outbox.put_nowait(event)

    def wake_gateways() -> None:
        """Tell the gateway processes there are new deliveries (a kept reference: tasks are weakly held)."""
        task = asyncio.ensure_future(backend.publish(b"1", [wakeup_channel(settings.channel_prefix)]))
        wakeups.add(task)
        task.add_done_callback(wakeups.discard)

    db.on_commit = enqueue
    db.on_wake = wake_gateways
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(_publish_forever(backend, outbox, settings.channel_prefix))
            tasks.create_task(server.serve_forever())
    finally:
        await backend.on_shutdown()
