"""M2M through zeep: dateTime values in the account's own time zone (not Moscow's), and `naming` honoured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update
from zeep.exceptions import Fault

from communicator.db.models import Account, Delivery, Message
from communicator.db.session import Database
from tests.m2m_support import M2M, MD5

ZONE = ZoneInfo("Asia/Vladivostok")  # UTC+10, seven hours from Moscow: a result in Moscow time is plainly wrong
AUTH = {"login": "admin", "password": MD5}


@pytest.fixture(scope="module")
def m2m(tmp_path_factory: pytest.TempPathFactory) -> Iterator[M2M]:
    """A server of its own (the account's zone and sender names change here), the account in Vladivostok."""
    server = M2M(tmp_path_factory.mktemp("m2m-zone"))
    _db(server, _set_account)
    yield server
    server.stop()


async def _set_account(db: Database) -> None:
    async with db.write() as session:
        await session.execute(update(Account).values(timezone=ZONE.key, sender_names=["ACME"]))


def _db(server: M2M, work: Any) -> Any:
    """Run `work(db)` against the server's database."""

    async def run() -> Any:
        db = Database(server.server.settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _stored(server: M2M, message_id: int) -> tuple[Message, Delivery]:
    async def read(db: Database) -> tuple[Message, Delivery]:
        async with db.read() as session:
            message = (await session.execute(select(Message).where(Message.id == message_id))).scalar_one()
            delivery = (await session.execute(select(Delivery).where(Delivery.message_id == message_id))).scalar_one()
            return message, delivery

    return _db(server, read)


def _settled(server: M2M, message_id: int) -> tuple[Message, Delivery]:
    """The message and its delivery once the simulator has delivered it (its dates no longer change)."""
    deadline = time.monotonic() + 10
    while (stored := _stored(server, message_id))[1].status != "Delivered":
        assert time.monotonic() < deadline, "the simulator did not deliver in 10 s"
        time.sleep(0.05)
    return stored


def _local(value: datetime) -> datetime:
    return value.astimezone(ZONE).replace(tzinfo=None, microsecond=0)


def test_result_dates_are_the_accounts_local_time(m2m: M2M) -> None:
    soap = m2m.service("Soap")
    message_id = soap.SendMessage(msid="79161234567", message="Время", naming="", **AUTH)
    message, delivery = _settled(m2m, message_id)
    (info,) = soap.GetMessageStatus(messageID=message_id, **AUTH)
    assert info["DeliveryDate"].tzinfo is None, "written without an offset"
    assert info["DeliveryDate"] == info["UserDeliveryDate"] == _local(delivery.updated_at)

    now = datetime.now(ZONE).replace(tzinfo=None)
    found = soap.GetMessages(
        messageType="MT",
        subscriberMsids=None,
        DateFrom=now - timedelta(minutes=5),
        DateTo=now + timedelta(minutes=5),
        **AUTH,
    )
    (listed,) = [m for m in found if m["MessageID"] == message_id]
    assert listed["CreationDate"] == _local(message.created_at)
    moscow = datetime.now(ZoneInfo("Europe/Moscow")).replace(tzinfo=None)
    earlier = soap.GetMessages(
        messageType="MT",
        subscriberMsids=None,
        DateFrom=moscow - timedelta(minutes=5),
        DateTo=moscow + timedelta(minutes=5),
        **AUTH,
    )
    assert not [m for m in earlier or [] if m["MessageID"] == message_id], "naive request dates are Vladivostok's"


def test_a_scheduled_date_is_read_in_the_accounts_zone(m2m: M2M) -> None:
    due = (datetime.now(ZONE) + timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    message_id = m2m.service("Soap").SendMessageAtDate(
        msid="79161234568", message="Позже", naming="", scheduledSendDate=due, **AUTH
    )
    message, _ = _stored(m2m, message_id)
    assert message.send_at == due.replace(tzinfo=ZONE).astimezone(UTC)


def test_naming_is_the_sender_name_or_refused(m2m: M2M) -> None:
    soap = m2m.service("Soap")
    message_id = soap.SendMessage(msid="79161234569", message="От ACME", naming="ACME", **AUTH)
    assert _stored(m2m, message_id)[0].sender_name == "ACME"
    with pytest.raises(Fault, match="not one of the account's approved names"):
        soap.SendMessage(msid="79161234570", message="От чужого имени", naming="EVIL", **AUTH)

    async def count(db: Database) -> int:
        async with db.read() as session:
            return len((await session.scalars(select(Delivery.id).where(Delivery.phone == "+79161234570"))).all())

    assert _db(m2m, count) == 0, "a refused send stores nothing"


def test_http_get_dates_too(m2m: M2M) -> None:
    message_id = m2m.service("Soap").SendMessage(msid="79161234571", message="GET", naming="", **AUTH)
    _, delivery = _settled(m2m, message_id)
    response = httpx.get(f"{m2m.address}/GetMessageStatus", params={"messageID": message_id, **AUTH}, timeout=10)
    assert response.status_code == 200, response.text
    assert f"<DeliveryDate>{_local(delivery.updated_at).isoformat()}</DeliveryDate>" in response.text
    # Request dates without an offset are Vladivostok's: a window around Vladivostok's now finds the message,
    # the same window in Moscow's clock (seven hours earlier) does not.
    found = {}
    for zone in (ZONE, ZoneInfo("Europe/Moscow")):
        now = datetime.now(zone).replace(tzinfo=None, microsecond=0)
        since, until = now - timedelta(minutes=5), now + timedelta(minutes=5)
        window = {"messageType": "MT", "DateFrom": since.isoformat(), "DateTo": until.isoformat()}
        listed = httpx.get(f"{m2m.address}/GetMessages", params={**window, **AUTH}, timeout=10)
        assert listed.status_code == 200, listed.text
        found[zone.key] = f"<MessageID>{message_id}</MessageID>" in listed.text
    assert found == {ZONE.key: True, "Europe/Moscow": False}
