"""Webhook guards: no private/loopback/link-local targets unless allowed (at save and at send), a bounded log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from communicator.db.models import WebhookOutbox, WebhookSettings
from communicator.db.session import Database
from communicator.schemas import WebhookSettingsUpdate
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.integrations.webhook_targets import is_public, resolve_webhook_target
from communicator.services.integrations.webhooks import prune_webhook_log, update_webhook_settings
from communicator.services.messaging.receive import receive_sms
from communicator.webhooks.sender import send_due_webhooks
from tests.test_webhooks import Receiver, outbox, settings

PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://172.16.5.4/hook",
    "http://172.31.255.254/hook",
    "http://192.168.0.10/hook",
    "http://[fc00::1]/hook",
    "http://[fd12:3456::1]/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


async def test_private_urls_are_refused_when_saved_unless_allowed(db: Database, admin: Actor) -> None:
    for url in PRIVATE_URLS:
        with pytest.raises(InvalidInput) as refused:
            await update_webhook_settings(db, admin, WebhookSettingsUpdate(inbound_url=url))
        assert refused.value.code == "webhook_url_private" and "inbound_url" in refused.value.detail, url
    async with db.read() as session:
        assert await session.get(WebhookSettings, admin.account_id) is None, "nothing saved"
    await update_webhook_settings(db, admin, WebhookSettingsUpdate(inbound_url=PRIVATE_URLS[0]), allow_private=True)
    saved = await update_webhook_settings(db, admin, WebhookSettingsUpdate(delivery_url="http://93.184.216.34/x"))
    assert (saved.inbound_url, saved.delivery_url) == (PRIVATE_URLS[0], "http://93.184.216.34/x")


async def test_the_post_goes_to_the_address_that_was_checked() -> None:
    target = await resolve_webhook_target("https://93.184.216.34:8443/hook?a=1", allow_private=False)
    assert (target.url, target.host_header, target.sni_hostname) == (
        "https://93.184.216.34:8443/hook?a=1",
        "93.184.216.34:8443",
        "93.184.216.34",
    )
    assert is_public("8.8.8.8") and not is_public("::ffff:10.0.0.1") and not is_public("224.0.0.1")
    assert is_public("172.32.0.1") and is_public("172.15.255.255"), "only 172.16/12 of 172/8 is private"


async def test_a_url_that_turns_private_after_saving_is_refused_at_send(
    db: Database, admin: Actor, receiver: Receiver
) -> None:
    """DNS rebinding: the name looked public when saved, now it resolves to loopback: no request is made."""
    await update_webhook_settings(db, admin, WebhookSettingsUpdate(inbound_url=receiver.url), allow_private=True)
    await receive_sms(db, "4938", "+79161000001", "ответ", "smsc-1")
    async with httpx.AsyncClient(timeout=2) as http:
        assert await send_due_webhooks(db, http, settings(webhook_allow_private=False)) == 1
    (row,) = await outbox(db)
    assert receiver.posts == [], "no request reached the loopback receiver"
    assert row.status == "pending" and (row.last_error or "").startswith("refused:") and "127.0.0.1" in row.last_error


async def test_the_log_is_pruned_by_age_and_bounded_per_account(db: Database, admin: Actor) -> None:
    now = datetime.now(UTC)
    rows = [
        _row(1, "delivered", now - timedelta(days=40)),  # too old: goes
        _row(2, "failed", now - timedelta(days=31)),  # too old: goes
        _row(3, "pending", now - timedelta(days=90)),  # still to be sent: stays, however old
        *(_row(10 + n, "delivered", now - timedelta(hours=5 - n)) for n in range(5)),  # the newest 3 of these stay
    ]
    async with db.write() as session:
        session.add_all(rows)
    assert await prune_webhook_log(db, timedelta(days=30), keep_per_account=3) == 4
    async with db.read() as session:
        kept = sorted((await session.scalars(select(WebhookOutbox.webhook_id))).all())
        assert await session.scalar(select(func.count()).select_from(WebhookOutbox)) == 4
    assert kept == ["w12", "w13", "w14", "w3"]


def _row(n: int, status: str, finished: datetime) -> WebhookOutbox:
    return WebhookOutbox(
        id=n,
        account_id=1,
        kind="inbound",
        url="http://93.184.216.34/x",
        webhook_id=f"w{n}",
        body="{}",
        status=status,
        attempts=1,
        next_attempt_at=finished,
        created_at=finished,
        finished_at=None if status == "pending" else finished,
    )
