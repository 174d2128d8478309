"""Webhooks against real HTTP receivers on loopback: signing, retries, timeouts, restarts, two workers on PG."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from communicator.db.models import Event, WebhookOutbox
from communicator.db.session import Database
from communicator.queue.database import DatabaseQueue
from communicator.schemas import MessageCreate, Recipients, WebhookSettingsUpdate
from communicator.services.core.actors import Actor
from communicator.services.integrations.webhooks import claim_webhook_calls, list_webhook_calls, update_webhook_settings
from communicator.services.messaging.delivery import SubmitResult, apply_submit_results, claim_deliveries
from communicator.services.messaging.receive import receive_sms
from communicator.services.messaging.send import send_message
from communicator.settings import Settings, load_settings
from communicator.webhooks.sender import send_due_webhooks

FAST = {
    "webhook_backoff_seconds": 0.05,
    "webhook_backoff_max_seconds": 0.2,
    "webhook_timeout_seconds": 2.0,
    "webhook_allow_private": True,  # the receivers listen on loopback
}


class Receiver:
    """An HTTP server on loopback that answers 500 to the first `failures` posts, then 200; records every post."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.posts.append((dict(self.headers.items()), body))
                    failing = len(receiver.posts) <= receiver.failures
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """SQLite, unless a test asks for both (the outbox insert and the claims differ by dialect)."""
    return request.getfixturevalue(f"{getattr(request, 'param', 'sqlite')}_url")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver that fails the first two attempts."""
    live = Receiver(failures=2)
    yield live
    live.close()


def settings(**overrides: object) -> Settings:
    """Fast retries for tests."""
    return load_settings({}, **{**FAST, **overrides})


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Poll a condition until it holds (or fail after the timeout)."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def outbox(db: Database) -> list[WebhookOutbox]:
    """Every outbox row, oldest first."""
    async with db.read() as session:
        return list(await session.scalars(select(WebhookOutbox).order_by(WebhookOutbox.id)))


async def run_until_finished(db: Database, config: Settings, timeout: float = 10.0) -> None:
    """Run sender passes until no call is pending."""
    async with httpx.AsyncClient(timeout=config.webhook_timeout_seconds) as http:

        async def finished() -> bool:
            await send_due_webhooks(db, http, config)
            return all(row.status != "pending" for row in await outbox(db))

        await wait_for(finished, timeout)


def check_signature(secret: str, headers: dict[str, str], body: bytes) -> None:
    """X-Communicator-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>, fresh."""
    parts = dict(part.split("=", 1) for part in headers["X-Communicator-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert abs(time.time() - int(parts["t"])) < 60


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_inbound_is_signed_and_retried_until_accepted(db: Database, admin: Actor, receiver: Receiver) -> None:
    """500, 500, 200: three posts with one idempotency id and valid signatures; the log shows it delivered.

    The call is queued in the transaction that records its event: no URL, no row; an outbound send, no row.
    """
    await receive_sms(db, "4938", "+79161000001", "до настройки", "smsc-0")
    hooks = await update_webhook_settings(
        db, admin, WebhookSettingsUpdate(inbound_url=receiver.url), allow_private=True
    )
    assert await outbox(db) == []
    await send_message(db, admin, MessageCreate(text="t", recipients=Recipients(employees=[1])))
    await receive_sms(db, "4938", "+79161000001", "#1234 готово", "smsc-1")
    async with db.read() as session:
        events = await session.scalar(select(func.count()).select_from(Event).where(Event.type == "message.created"))
    assert events == 3 and len(await outbox(db)) == 1
    await run_until_finished(db, settings())
    assert len(receiver.posts) == 3
    ids = {headers["X-Communicator-Webhook-Id"] for headers, _ in receiver.posts}
    assert len(ids) == 1
    for headers, body in receiver.posts:
        check_signature(hooks.secret, headers, body)
    payload = json.loads(receiver.posts[-1][1])
    assert payload["type"] == "message.received" and payload["id"] in ids
    assert payload["data"]["text"] == "#1234 готово" and payload["data"]["sender_phone"] == "+79161000001"
    [row] = await outbox(db)
    assert (row.status, row.attempts, row.last_status, row.last_error) == ("delivered", 3, 200, None)


async def test_a_receiver_that_never_answers_times_out_and_fails(db: Database, admin: Actor) -> None:
    """A listener that accepts and never answers: each attempt times out; after the last the call is failed."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        await update_webhook_settings(db, admin, WebhookSettingsUpdate(inbound_url=url), allow_private=True)
        await receive_sms(db, "4938", "+79161000001", "тишина", "smsc-9")
        await run_until_finished(db, settings(webhook_timeout_seconds=0.2, webhook_max_attempts=3))
    finally:
        silent.close()
    [row] = await outbox(db)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "timed out")


async def test_restart_resumes_retries(database_url: str, admin: Actor, receiver: Receiver) -> None:
    """A failed attempt's retry and a call claimed by a process that died both go out after a restart."""
    first = Database(database_url)
    await update_webhook_settings(first, admin, WebhookSettingsUpdate(inbound_url=receiver.url), allow_private=True)
    await receive_sms(first, "4938", "+79161000001", "первое", "smsc-r1")
    await receive_sms(first, "4938", "+79161000001", "второе", "smsc-r2")
    async with httpx.AsyncClient() as http:
        await send_due_webhooks(first, http, settings(webhook_backoff_seconds=0.01))  # both answered 500
    # The dying process claims the retries and never records an outcome.
    held: set[int] = set()
    await wait_for(lambda: _claim_all(first, held))
    await first.dispose()
    second = Database(database_url)  # the restarted process
    try:
        await run_until_finished(second, settings(), timeout=15)
        rows = await outbox(second)
    finally:
        await second.dispose()
    assert [(r.status, r.attempts) for r in rows] == [("delivered", 3), ("delivered", 3)]
    delivered = {json.loads(body)["data"]["text"] for _, body in receiver.posts[2:]}
    assert delivered == {"первое", "второе"}


async def _claim_all(db: Database, held: set[int]) -> bool:
    """Claim due calls with a short lease (a crash right after claiming); true once both were taken."""
    held.update(call.id for call in await claim_webhook_calls(db, timedelta(milliseconds=300), 10))
    return len(held) == 2


async def test_two_workers_never_send_the_same_attempt(postgres_url: str, admin_pg: Actor) -> None:
    """PostgreSQL, two processes' senders side by side: every call is posted exactly once."""
    live = Receiver(failures=0)
    one, two = Database(postgres_url), Database(postgres_url)
    try:
        await update_webhook_settings(one, admin_pg, WebhookSettingsUpdate(inbound_url=live.url), allow_private=True)
        for n in range(40):
            await receive_sms(one, "4938", f"+7916100{n % 20 + 1:04d}", f"ответ {n}", f"smsc-w{n}")
        await asyncio.gather(run_until_finished(one, settings()), run_until_finished(two, settings()))
    finally:
        await one.dispose()
        await two.dispose()
        live.close()
    ids = [headers["X-Communicator-Webhook-Id"] for headers, _ in live.posts]
    assert len(ids) == 40 and len(set(ids)) == 40


@pytest.fixture
async def admin_pg(postgres_url: str) -> Actor:
    """The demo admin on the PostgreSQL database."""
    from tests.conftest import seed

    await seed(postgres_url)
    db = Database(postgres_url)
    try:
        from sqlalchemy import select as sel

        from communicator.db.models import User

        async with db.read() as session:
            user = (await session.execute(sel(User).where(User.login == "admin"))).scalar_one()
    finally:
        await db.dispose()
    return Actor(user.id, user.account_id, user.role, user.login, user.name)


async def test_delivery_updates_and_the_log(db: Database, admin: Actor, receiver: Receiver) -> None:
    """A send's delivery updates are posted to the delivery URL; the log lists each call, newest first."""
    await update_webhook_settings(db, admin, WebhookSettingsUpdate(delivery_url=receiver.url), allow_private=True)
    await send_message(db, admin, MessageCreate(text="t", recipients=Recipients(employees=[1])))
    claimed = await claim_deliveries(db, DatabaseQueue(db, 30), 10)
    await apply_submit_results(db, [SubmitResult(claimed[0].delivery_id, smsc_id="smsc-1")], {})
    await run_until_finished(db, settings())
    page = msgspec.to_builtins(await list_webhook_calls(db, admin, None, 10))
    assert page["items"] and all(item["kind"] == "delivery" for item in page["items"])
    assert [item["id"] for item in page["items"]] == sorted((item["id"] for item in page["items"]), reverse=True)
    kinds = {json.loads(body)["type"] for _, body in receiver.posts}
    assert kinds == {"delivery.updated"}
