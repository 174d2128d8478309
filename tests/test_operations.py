"""/health/live, /health/ready, /metrics, the gateway's link table and its pages' routes, JSON logs."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from communicator.db.models import GatewayLink
from communicator.db.session import Database
from communicator.logs import JsonFormatter
from communicator.schemas import GatewayLinkRead
from communicator.services.operations.links import list_gateway_links, record_link_states
from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, make_server

API = "/api/v1"


def _link(name: str, status: str = "bound", error: str | None = None) -> GatewayLinkRead:
    """A link as a gateway process reports it."""
    now = datetime.now(UTC)
    return GatewayLinkRead(
        process="other-host:1", name=name, status=status, since=now, last_error=error, tps_allowed=50.0,
        current_rate=0.0, updated_at=now, stale=False,
    )  # fmt: skip


async def _wait_for(check, timeout: float = 10.0):
    """Poll `check` (async, returns truthy when done) until it holds."""
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.05)
    return result


def _samples(text: str) -> dict[str, float]:
    """Prometheus text exposition as {series: value}."""
    lines = (line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {series: float(value) for series, value in lines}


def _grew(before: dict[str, float], after: dict[str, float], series: str) -> bool:
    """The series went up by exactly one (one send, one receipt)."""
    return after.get(series, 0.0) - before.get(series, 0.0) == 1.0


async def test_live_and_ready_and_metrics(server: LiveServer, client: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        assert (await anonymous.get("/health/live")).json() == {"status": "ok"}
        ready = await anonymous.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "database": "ok", "smsc": "ok"}
        # The counters are process-wide and other tests in this process count too: compare before and after.
        before = _samples((await anonymous.get("/metrics")).text)
        sent = await client.post(f"{API}/messages", json={"text": "проверка", "recipients": {"employees": [1]}})
        assert sent.status_code == 201

        async def receipts_counted() -> str | None:
            text = (await anonymous.get("/metrics")).text
            return text if _grew(before, _samples(text), 'communicator_receipts_total{status="Delivered"}') else None

        text = await _wait_for(receipts_counted)
    after = _samples(text)
    assert _grew(before, after, 'communicator_submits_total{result="accepted"}')
    assert _grew(before, after, "communicator_submit_seconds_count")
    assert after['communicator_queue_depth{status="Pending"}'] == 0.0
    assert 'communicator_smsc_link_up{link="simulator"' in text


def test_ready_is_503_when_redis_is_configured_but_gone(sqlite_url: str) -> None:
    live = make_server(sqlite_url, redis_url=f"redis://127.0.0.1:{free_port()}/0", gateway_enabled=False)
    try:
        with httpx.Client(base_url=live.url, timeout=10) as http:
            ready = http.get("/health/ready")
    finally:
        live.stop()
    assert ready.status_code == 503
    assert ready.json()["database"] == "ok" and ready.json()["redis"].startswith("down")


async def test_gateway_page_shows_other_processes_and_stale_rows_as_down(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    await record_link_states(server_db, "other-host:1", [_link("smpp:a@smsc:2775#1"), _link("smpp:b@smsc:2775#1")])
    async with server_db.write() as session:  # the second process stopped reporting a minute ago
        old = datetime.now(UTC) - timedelta(minutes=1)
        await session.execute(update(GatewayLink).where(GatewayLink.name.like("smpp:b%")).values(updated_at=old))
    status = (await client.get(f"{API}/gateway")).json()
    by_name = {link["name"]: link for link in status["links"]}
    assert by_name["smpp:a@smsc:2775#1"]["status"] == "bound"
    assert by_name["smpp:b@smsc:2775#1"]["status"] == "down" and by_name["smpp:b@smsc:2775#1"]["stale"]
    assert "no report" in by_name["smpp:b@smsc:2775#1"]["last_error"]
    assert by_name["simulator"]["status"] == "bound"  # the embedded gateway reports itself
    assert set(status["queue"]) == {"Pending", "Sending", "Sent"}
    assert (await client.get(f"{API}/gateway/alarm")).json()["any_bound"] is True


def test_alarm_when_no_bind_is_up_and_page_is_for_platform_admins(sqlite_url: str) -> None:
    live = make_server(sqlite_url, gateway_enabled=False)
    try:
        asyncio.run(_record_once(sqlite_url, _link("smpp:x", status="connecting", error="connection refused")))
        with httpx.Client(base_url=live.url, timeout=10) as http:
            http.post(f"{API}/auth/login", json={"login": "operator", "password": DEMO_PASSWORD}).raise_for_status()
            alarm = http.get(f"{API}/gateway/alarm")
            page = http.get(f"{API}/gateway")
    finally:
        live.stop()
    assert alarm.json() == {"any_bound": False, "links": 1}
    assert page.status_code == 403


async def _record_once(url: str, link: GatewayLinkRead) -> None:
    """Record one link of a process "gw:1" through a database of its own."""
    db = Database(url)
    try:
        await record_link_states(db, "gw:1", [link])
    finally:
        await db.dispose()


async def test_record_replaces_a_process_rows(db: Database) -> None:
    await record_link_states(db, "gw:1", [_link("a"), _link("b")])
    await record_link_states(db, "gw:1", [_link("a", status="down", error="x" * 900)])
    links = await list_gateway_links(db, 60)
    assert [(link.name, link.status) for link in links] == [("a", "down")]
    assert len(links[0].last_error or "") == 500


def test_json_log_lines() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("communicator.x", logging.ERROR, __file__, 1, "failed %s", ("once",), None)
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "ERROR" and line["message"] == "failed once" and "ValueError: boom" in line["exception"]
