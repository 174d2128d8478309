"""SMPP binds managed through the API: stored sealed, never read back, picked up by a running gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import msgspec
import pytest
from sqlalchemy import select, update

from communicator.db.models import Delivery, SmppBind, User
from communicator.db.session import Database
from communicator.services.core.actors import Actor
from communicator.services.messaging import delivery
from communicator.services.operations.bind_passwords import open_password, seal_password
from communicator.services.operations.smpp_binds import SmppBindConfig
from tests.conftest import API, LiveServer, free_port, login, make_server
from tests.helpers import count_by_status, wait_for
from tests.smpp_support import running_gateway, send_to_phones
from tests.smsc_peer import Script, SmscPeer

pytest_plugins = ["tests.smpp_fixtures"]  # the fixtures: sdb, sadmin, peer


@pytest.fixture(params=["sqlite", "postgres"])
def smpp_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A live server whose gateway is the SMPP driver with no settings' bind: only the table's.

    The gateway test runs on SQLite only (`smpp_server` parametrized indirectly); the stored-data tests on both.
    """
    live = make_server(
        request.getfixturevalue(f"{request.param}_url"),
        gateway_driver="smpp",
        smpp_system_id="",
        smpp_binds_reload_seconds=0.1,
        smpp_enquire_link_seconds=1.0,
        smpp_response_timeout_seconds=2.0,
        gateway_link_report_seconds=0.2,
    )
    yield live
    live.stop()


@pytest.fixture
async def http(smpp_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    """The demo admin (a platform admin) signed in."""
    async with httpx.AsyncClient(base_url=smpp_server.url, timeout=10) as client:
        await login(client)
        yield client


def _bind(port: int, **fields: object) -> dict[str, object]:
    return {"account_id": 1, "host": "127.0.0.1", "port": port, "system_id": "acme", "password": "s3cr3t", **fields}


@pytest.mark.parametrize("smpp_server", ["sqlite"], indirect=True)
async def test_a_bind_added_through_the_api_binds_and_carries_submits(
    http: httpx.AsyncClient, smpp_server: LiveServer
) -> None:
    peer = await SmscPeer(Script(receipts="DELIVRD")).start()
    try:
        created = await http.post(f"{API}/gateway/binds", json=_bind(peer.port, source_addr="ACME"))
        assert created.status_code == 201, created.text
        bind = created.json()
        assert "password" not in bind and bind["has_password"] is True
        await peer.wait_for(lambda: any(e.system_id == "acme" for e in peer.sessions.values()), 10, "the bind")
        sent = await http.post(
            f"{API}/messages", json={"text": "Через новый бинд", "recipients": {"numbers": ["+79261234567"]}}
        )
        assert sent.status_code == 201, sent.text
        await peer.wait_for(lambda: peer.submits, 10, "a submit_sm through the new bind")
        assert (peer.submits[0].destination_addr, peer.submits[0].source_addr) == ("79261234567", "ACME")

        async def shown_bound() -> bool:
            links = (await http.get(f"{API}/gateway/")).json()["links"]
            return any(link["name"] == bind["link"] and link["status"] == "bound" for link in links)

        await wait_for(shown_bound, 10, "the bind shown bound on «Шлюз»")

        disabled = await http.put(f"{API}/gateway/binds/{bind['id']}", json=_bind(peer.port, enabled=False))
        assert disabled.status_code == 200 and disabled.json()["has_password"] is True
        await peer.wait_for(lambda: not peer.sessions, 10, "the disabled bind unbound")
    finally:
        await peer.stop()


async def test_bind_passwords_are_sealed_never_read_back_and_bad_input_refused(
    http: httpx.AsyncClient, smpp_server: LiveServer
) -> None:
    created = (await http.post(f"{API}/gateway/binds", json=_bind(2775, password="pa55word"))).json()
    listed = await http.get(f"{API}/gateway/binds")
    assert "pa55word" not in listed.text and "password_sealed" not in listed.text
    db = Database(smpp_server.settings.database_url)
    try:
        async with db.read() as session:
            sealed = await session.scalar(select(SmppBind.password_sealed).where(SmppBind.id == created["id"]))
        assert sealed and "pa55word" not in sealed
        # Changing the bind without a password keeps the stored one.
        kept = await http.put(f"{API}/gateway/binds/{created['id']}", json=_bind(2775, password=None, tps=5))
        assert kept.status_code == 200 and kept.json()["tps"] == 5
        async with db.read() as session:
            assert await session.scalar(select(SmppBind.password_sealed)) == sealed
        await _check_refusals(http, db)
    finally:
        await db.dispose()


async def _check_refusals(http: httpx.AsyncClient, db: Database) -> None:
    """Bad input and a non-administrator are refused, and change nothing (scoping: tests/test_binds_service.py)."""
    assert (await http.post(f"{API}/gateway/binds", json=_bind(2775, password=None))).status_code == 422
    assert (await http.post(f"{API}/gateway/binds", json=_bind(2775, account_id=999))).status_code == 404
    assert (await http.post(f"{API}/gateway/binds", json=_bind(70000))).status_code == 400
    assert (await http.post(f"{API}/gateway/binds", json=_bind(2775, system_id="x" * 16))).status_code == 400
    assert (await http.post(f"{API}/gateway/binds", json=_bind(2775, host="a b"))).status_code == 400
    assert (await http.put(f"{API}/gateway/binds/{2**63}", json=_bind(2775))).status_code == 400
    assert (await http.put(f"{API}/gateway/binds/4242", json=_bind(2775))).status_code == 404
    assert (await http.delete(f"{API}/gateway/binds/4242")).status_code == 404
    async with db.write() as session:
        await session.execute(update(User).where(User.login == "admin").values(role="Operator", platform_admin=False))
    refused = await http.post(f"{API}/gateway/binds", json=_bind(2775))
    assert refused.status_code == 403 and refused.json()["code"] == "admin_only"
    assert (await http.get(f"{API}/gateway/binds")).status_code == 403
    assert (await http.delete(f"{API}/gateway/binds/1")).status_code == 403
    async with db.read() as session:
        assert len((await session.scalars(select(SmppBind))).all()) == 1, "only the one bind added before"


def test_a_sealed_password_opens_only_under_its_secret() -> None:
    sealed = seal_password(b"one secret", "pw")
    assert open_password(b"one secret", sealed) == "pw"
    assert sealed != seal_password(b"one secret", "pw"), "a fresh nonce each time"
    with pytest.raises(ValueError):
        open_password(b"another secret", sealed)


async def test_an_accounts_own_bind_carries_its_sms_and_while_down_burns_no_attempts(
    sdb: Database, sadmin: Actor, peer: SmscPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "UNSENT_DELAY", timedelta(milliseconds=200))
    own = SmppBindConfig(
        id=7,
        account_id=sadmin.account_id,
        host="127.0.0.1",
        port=free_port(),  # nothing listens: the account's own bind is down
        system_id="own",
        password="pw",
        system_type="",
        source_addr="OWN",
        window=10,
        tps=50,
    )
    second = await SmscPeer(Script(receipts="DELIVRD")).start()
    try:
        async with running_gateway(sdb, peer) as driver:  # the settings' bind (to `peer`) is up
            await driver.apply_binds([own])
            message_id = await send_to_phones(sdb, sadmin, 2)

            async def waiting_unharmed() -> bool:
                async with sdb.read() as session:
                    rows = (await session.execute(select(Delivery.status, Delivery.attempts, Delivery.error))).all()
                return all(
                    r.status == "Pending" and r.attempts == 0 and "no SMSC bind" in (r.error or "") for r in rows
                )

            await wait_for(waiting_unharmed, 10, "deliveries back in the queue, no attempt spent")
            await asyncio.sleep(0.5)  # a few more rounds while the bind is down
            assert await waiting_unharmed() and peer.submits == [], "the default bind never carries this account's SMS"
            await driver.apply_binds([msgspec.structs.replace(own, port=second.port)])
            await wait_for(lambda: _all_delivered(sdb, message_id), 20, "delivered through the account's bind")
        assert peer.submits == [] and {s.source_addr for s in second.submits} == {"OWN"}
    finally:
        await second.stop()


async def _all_delivered(db: Database, message_id: int) -> bool:
    return await count_by_status(db, message_id) == {"Delivered": 2}
