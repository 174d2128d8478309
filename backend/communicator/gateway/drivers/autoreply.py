"""Scripted replies from virtual phones, so a demo answers back on its own (off unless configured)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable

from sqlalchemy import select

from communicator.db.models import Account, Delivery, Message
from communicator.db.session import Database
from communicator.services.messaging.receive import receive_sms
from communicator.sms.tags import extract_tags

log = logging.getLogger(__name__)
REPLIES = ("Принял", "Принято, выезжаю", "+", "Буду через 30 минут", "Ок, понял", "Готово")


class AutoReplier:
    """Answers a share of delivered messages from the recipient's phone after a delay."""

    def __init__(self, db: Database, rate: float, delay_seconds: float, rng: random.Random) -> None:
        self.db = db
        self.rate = rate
        self.delay = delay_seconds
        self.rng = rng
        self._tasks: set[asyncio.Task[None]] = set()

    def on_delivered(self, smsc_ids: Iterable[str]) -> None:
        """Pick which delivered messages get an answer."""
        for smsc_id in smsc_ids:
            if self.rate > 0 and self.rng.random() < self.rate:
                task = asyncio.create_task(self._reply(smsc_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _reply(self, smsc_id: str) -> None:
        """Send one reply to the sender's short number, quoting the order tag of the message it answers."""
        await asyncio.sleep(self.delay * (0.5 + self.rng.random()))
        query = (
            select(Account.short_number, Delivery.phone, Message.text)
            .join(Message, Message.id == Delivery.message_id)
            .join(Account, Account.id == Delivery.account_id)
            .where(Delivery.smsc_id == smsc_id)
        )
        async with self.db.read() as session:
            row = (await session.execute(query)).first()
        if row is None:
            return
        tags = extract_tags(row.text)
        text = self.rng.choice(REPLIES)
        try:
            await receive_sms(self.db, row.short_number, row.phone, f"#{tags[0]} {text}" if tags else text)
        except Exception:
            log.exception("auto-reply failed")
