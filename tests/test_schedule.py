"""Scheduled sends and validity periods: release once, restart, two releasers, cancel, TimedOut, time zones, bad input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import msgspec
import pytest
from sqlalchemy import func, select, update

from communicator.db.models import AuditEntry, Delivery, Message, User
from communicator.db.session import Database
from communicator.events import AnyEvent, DeliveryUpdated, MessageCreated, Published
from communicator.queue.database import DatabaseQueue
from communicator.schemas import AccountUpdate, MessageCreate, MessageRead, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict
from communicator.services.demo import seed_demo
from communicator.services.identity.accounts import update_account
from communicator.services.messaging.delivery import claim_deliveries
from communicator.services.messaging.schedule import apply_timeouts, cancel_message, release_due_deliveries
from communicator.services.messaging.send import send_message
from tests.conftest import API, DEMO_PASSWORD
from tests.helpers import InProcessGateway, count_by_status, wait_for

EMPLOYEES = list(range(1, 11))


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    """A SQLite Database recording what it publishes (tests whose data layer is not at stake run on SQLite only)."""
    database = Database(sqlite_url)
    database.published = []  # type: ignore[attr-defined]
    database.on_commit = database.published.extend  # type: ignore[attr-defined]
    yield database
    await database.dispose()


@pytest.fixture
async def admin_sqlite(sqlite_db: Database) -> Actor:
    """The demo admin on the SQLite database."""
    return await _demo_admin(sqlite_db)


async def _demo_admin(db: Database) -> Actor:
    """Seed the demo account; its administrator."""
    await seed_demo(db, DEMO_PASSWORD)
    async with db.read() as session:
        user = (await session.execute(select(User).where(User.login == "admin"))).scalar_one()
    return Actor(user.id, user.account_id, user.role, user.login, user.name)


def _later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def _schedule(db: Database, admin: Actor, minutes: float = 10, **extra: object) -> MessageRead:
    """A message to ten employees, due in `minutes`."""
    data = MessageCreate(text="Позже", recipients=Recipients(employees=EMPLOYEES), send_at=_later(minutes), **extra)
    return await send_message(db, admin, data)


_events = msgspec.json.Decoder(AnyEvent)


def _decoded(published: list[Published]) -> list[AnyEvent]:
    """The events a database handed over after commit."""
    return [_events.decode(p.data) for p in published if b'"type":"access.' not in p.data]


def _pending_ids(published: list[Published]) -> list[int]:
    """Delivery ids that some delivery.updated event reported as Pending (each release reports its rows once)."""
    return [
        d.id
        for e in _decoded(published)
        if isinstance(e, DeliveryUpdated)
        for d in e.deliveries
        if d.status == "Pending"
    ]


async def test_scheduled_message_waits_then_is_released_once(db: Database, admin: Actor) -> None:
    sent = await _schedule(db, admin)
    assert sent.summary.counts == {"Scheduled": 10} and sent.send_at is not None
    created = [e for e in _decoded(db.published) if isinstance(e, MessageCreated)]  # type: ignore[attr-defined]
    assert created[-1].message.send_at == sent.send_at
    assert await claim_deliveries(db, DatabaseQueue(db, 30), 100) == []  # the gateway does not take it early
    assert await release_due_deliveries(db) == 0
    assert await release_due_deliveries(db, now=_later(11)) == 10
    assert await release_due_deliveries(db, now=_later(12)) == 0
    assert await count_by_status(db, sent.id) == {"Pending": 10}
    assert sorted(_pending_ids(db.published)) == sorted(d.id for d in sent.deliveries or [])  # type: ignore[attr-defined]
    assert len(await claim_deliveries(db, DatabaseQueue(db, 30), 100)) == 10
    with pytest.raises(Conflict) as refused:  # released: too late to cancel
        await cancel_message(db, admin, sent.id)
    assert refused.value.code == "message_not_scheduled"
    assert await count_by_status(db, sent.id) == {"Sending": 10}


async def test_a_server_down_at_the_due_time_sends_once_after_restart(database_url: str, admin: Actor) -> None:
    first = Database(database_url)
    sent = await _schedule(first, admin)
    await first.dispose()  # the server stops; the due time passes while it is down
    restarted = Database(database_url)
    try:
        async with restarted.write() as session:
            await session.execute(update(Delivery).values(lease_until=datetime.now(UTC) - timedelta(hours=1)))
        async with InProcessGateway(restarted):

            async def all_delivered() -> bool:
                return await count_by_status(restarted, sent.id) == {"Delivered": 10}

            await wait_for(all_delivered, what="the overdue scheduled message delivered")
        assert await release_due_deliveries(restarted) == 0  # a second restart finds nothing left to release
        async with restarted.read() as session:
            attempts = (await session.scalars(select(Delivery.attempts))).all()
        assert list(attempts) == [1] * 10  # each handed to the SMSC exactly once
    finally:
        await restarted.dispose()


async def test_two_concurrent_releasers_on_postgres_release_each_delivery_once(postgres_url: str) -> None:
    setup = Database(postgres_url)
    admin = await _demo_admin(setup)
    for _ in range(5):
        await _schedule(setup, admin)
    await setup.dispose()
    # Two gateway processes: separate connection pools, so separate transactions racing for the same rows.
    a, b = Database(postgres_url), Database(postgres_url)
    published: list[Published] = []
    a.on_commit = b.on_commit = published.extend
    try:
        moved = await asyncio.gather(*(release_due_deliveries(x, now=_later(11)) for x in (a, b, a, b)))
        assert sum(moved) == 50
        ids = _pending_ids(published)
        assert len(ids) == len(set(ids)) == 50
        assert await count_by_status(a) == {"Pending": 50}
    finally:
        await a.dispose()
        await b.dispose()


async def test_cancel_before_release(sqlite_db: Database, admin_sqlite: Actor) -> None:
    db, admin = sqlite_db, admin_sqlite
    sent = await _schedule(db, admin)
    cancelled = await cancel_message(db, admin, sent.id)
    assert cancelled.summary.counts == {"Cancelled": 10}
    updates = [e for e in _decoded(db.published) if isinstance(e, DeliveryUpdated)]  # type: ignore[attr-defined]
    assert {d.status for d in updates[-1].deliveries} == {"Cancelled"}
    assert await release_due_deliveries(db, now=_later(11)) == 0
    assert await claim_deliveries(db, DatabaseQueue(db, 30), 100) == []
    async with db.read() as session:
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "message.cancelled"))).one()
    assert audit.target_id == sent.id and audit.details == {"deliveries": 10}


async def test_deliveries_not_handed_over_within_validity_time_out(sqlite_db: Database, admin_sqlite: Actor) -> None:
    db, admin = sqlite_db, admin_sqlite
    now_data = MessageCreate(text="Срочно", recipients=Recipients(employees=EMPLOYEES), valid_minutes=5)
    sent = await send_message(db, admin, now_data)
    assert sent.valid_until is not None and sent.send_at is None
    later = await _schedule(db, admin, minutes=60, valid_minutes=30)
    assert later.valid_until == (later.send_at or datetime.min) + timedelta(minutes=30)
    assert await apply_timeouts(db, now=_later(4)) == 0
    async with db.write() as session:  # five minutes pass with the gateway stopped
        await session.execute(update(Delivery).where(Delivery.message_id == sent.id).values(expires_at=_later(-1)))
    assert await claim_deliveries(db, DatabaseQueue(db, 30), 100) == []  # past validity: never handed over
    assert await apply_timeouts(db) == 10
    assert await count_by_status(db, sent.id) == {"TimedOut": 10}
    assert await count_by_status(db, later.id) == {"Scheduled": 10}
    assert await apply_timeouts(db, now=_later(60 + 31)) == 10  # never released in time: times out unsent
    assert await count_by_status(db, later.id) == {"TimedOut": 10}


async def test_a_naive_send_time_is_the_account_time_zone(sqlite_db: Database, admin_sqlite: Actor) -> None:
    db, admin = sqlite_db, admin_sqlite
    # Two hours ahead in Vladivostok (UTC+10) is nine hours ahead in Moscow (UTC+3).
    local = (datetime.now(ZoneInfo("Asia/Vladivostok")) + timedelta(hours=2)).replace(tzinfo=None, microsecond=0)
    moscow = await send_message(db, admin, MessageCreate(text="x", recipients=Recipients(employees=[1]), send_at=local))
    assert moscow.send_at == local.replace(tzinfo=ZoneInfo("Europe/Moscow")).astimezone(UTC)
    platform = msgspec.structs.replace(admin, platform_admin=True)
    await update_account(db, platform, admin.account_id, AccountUpdate(timezone="Asia/Vladivostok"))
    vladivostok = await send_message(
        db, admin, MessageCreate(text="x", recipients=Recipients(employees=[1]), send_at=local)
    )
    assert moscow.send_at is not None and vladivostok.send_at == moscow.send_at - timedelta(hours=7)
    offset = datetime.fromisoformat("2030-01-01T12:00:00+05:00")
    explicit = MessageCreate(
        text="x", recipients=Recipients(employees=[1]), send_at=datetime.now(UTC) + timedelta(days=1)
    )
    explicit = msgspec.structs.replace(explicit, send_at=datetime.now(offset.tzinfo) + timedelta(days=1))
    read = await send_message(db, admin, explicit)
    assert read.send_at == (explicit.send_at or offset).astimezone(UTC)


async def _messages(server_db: Database) -> int:
    async with server_db.read() as session:
        return await session.scalar(select(func.count()).select_from(Message)) or 0


BAD_INPUT = [
    ({"send_at": "2020-01-01T10:00:00+03:00"}, 422, "send_at_past"),
    ({"send_at": "2099-01-01T10:00:00"}, 422, "send_at_too_far"),
    ({"send_at": "tomorrow"}, 400, None),
    ({"valid_minutes": 0}, 400, None),
    ({"valid_minutes": -5}, 400, None),
    ({"valid_minutes": 10**9}, 400, None),
]


async def test_rest_schedule_cancel_time_zone_and_bad_input(client: httpx.AsyncClient, server_db: Database) -> None:
    before = await _messages(server_db)
    for extra, status, code in BAD_INPUT:
        response = await client.post(f"{API}/messages", json={"text": "x", "recipients": {"employees": [1]}, **extra})
        assert response.status_code == status, (extra, response.text)
        assert code is None or response.json()["code"] == code
    assert await _messages(server_db) == before  # every refusal stored nothing
    body = {"text": "x", "recipients": {"employees": [1, 2]}, "send_at": _later(30).isoformat(), "valid_minutes": 60}
    sent = (await client.post(f"{API}/messages", json=body)).json()
    assert sent["summary"]["counts"] == {"Scheduled": 2} and sent["valid_until"]
    cancelled = await client.post(f"{API}/messages/{sent['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["summary"]["counts"] == {"Cancelled": 2}
    again = await client.post(f"{API}/messages/{sent['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "message_not_scheduled"
    skewed = {"text": "x", "recipients": {"employees": [1]}, "send_at": _later(-1).isoformat()}
    at_once = (await client.post(f"{API}/messages", json=skewed)).json()  # a minute late is clock skew: sent now
    assert at_once["send_at"] is None and "Scheduled" not in at_once["summary"]["counts"]
    await _check_account_time_zone(client, server_db)


async def _check_account_time_zone(client: httpx.AsyncClient, server_db: Database) -> None:
    """The platform admin sets an account's zone; an unknown one is refused."""
    async with server_db.write() as session:
        await session.execute(update(User).where(User.login == "admin").values(platform_admin=True))
    me = (await client.get(f"{API}/auth/me")).json()
    assert me["account_timezone"] == "Europe/Moscow"
    url = f"{API}/platform/accounts/{me['account_id']}"
    refused = await client.patch(url, json={"timezone": "Mars/Olympus"})
    assert refused.status_code == 422 and refused.json()["code"] == "timezone_unknown"
    changed = await client.patch(url, json={"timezone": "Asia/Yekaterinburg"})
    assert changed.status_code == 200 and changed.json()["timezone"] == "Asia/Yekaterinburg"
    assert (await client.get(f"{API}/auth/me")).json()["account_timezone"] == "Asia/Yekaterinburg"
