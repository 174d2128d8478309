"""The HTTP aggregator driver against a real HTTP listener on loopback; delivery reports through the real app."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from communicator.db.models import Delivery, User
from communicator.db.session import Database
from communicator.domain import DeliveryStatus, Role
from communicator.gateway.drivers.http import HttpDriver
from communicator.gateway.drivers.http_templates import TemplateError, check_templates, fill, read_answer, sign, walk
from communicator.gateway.process import build_gateway
from communicator.gateway.worker import GatewayWorker
from communicator.queue.database import DatabaseQueue
from communicator.schemas import HttpProviderWrite, MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.demo import seed_demo
from communicator.services.messaging.http_providers import set_http_provider
from communicator.services.messaging.send import send_message
from communicator.settings import load_settings
from tests.conftest import API, DEMO_PASSWORD, LiveServer

OK, BUSY, REFUSED = "+79161230001", "+79161230503", "+79161230400"
TEXT = 'Авария "на" линии\n#12 & 50%'


class Provider(ThreadingHTTPServer):
    """A scripted aggregator: answers by the number's last three digits (503, 400) or accepts with an id."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        query = parse_qs(urlsplit(self.path).query)
        self.server.requests.append({"body": body, "query": query, "auth": self.headers.get("Authorization")})  # type: ignore[attr-defined]
        code = {"503": 503, "400": 400}.get(body["to"][-3:], 200)
        answer = json.dumps({"result": {"id": f"m-{body['ref']}"}} if code == 200 else {"error": "no"}).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _settings(url: str, **extra: Any) -> HttpProviderWrite:
    fields: dict[str, Any] = {
        "name": "Агрегатор",
        "url_template": url + "/send?to={msisdn}&from={sender}",
        "body_template": '{"to": "{phone}", "text": "{text}", "from": "{sender}", "ref": "{id}"}',
        "auth_header": "Authorization",
        "auth_value": "Bearer s3cret",
        "id_path": "result.id",
        "dlr_secret": "a-long-dlr-secret-0123",
        "dlr_statuses": {"DONE": DeliveryStatus.DELIVERED},
    }
    return HttpProviderWrite(**{**fields, **extra})


async def _admin(db: Database) -> Actor:
    await seed_demo(db, DEMO_PASSWORD)
    async with db.read() as session:
        user = (await session.execute(select(User).where(User.login == "admin"))).scalar_one()
    return Actor(user.id, user.account_id, user.role, user.login, user.name)


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()


def test_templates_escape_values_and_run_no_code() -> None:
    values = {"phone": "+79161234567", "msisdn": "79161234567", "text": TEXT, "sender": "4938", "id": "7"}
    body = fill('{"text": "{text}", "to": "{phone}"}', values, "json")
    assert json.loads(body) == {"text": TEXT, "to": "+79161234567"}
    assert fill("http://x/?t={text}&p={phone}", values, "url").endswith("&p=%2B79161234567")
    assert parse_qs(fill("t={text}", values, "form"))["t"] == [TEXT]
    assert fill("{phone.__class__}", values, "url") == "{phone.__class__}"  # not a placeholder: left as it is
    with pytest.raises(TemplateError, match="Unknown placeholder"):
        check_templates("http://x/{secret}", "none", "")
    with pytest.raises(TemplateError, match="not JSON"):
        check_templates("http://x/", "json", '{"text": {text}}')


def test_the_http_driver_is_chosen_by_setting(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    worker = build_gateway(load_settings({}, database_url=sqlite_url, gateway_driver="http"), db, DatabaseQueue(db, 30))
    assert isinstance(worker.driver, HttpDriver)
    (link,) = worker.driver.link_states()  # nothing configured yet: shown down, saying why
    assert link.status == "down" and "no HTTP provider" in (link.last_error or "")


def test_answers_map_to_retry_or_failure() -> None:
    assert read_answer(200, '{"a": [{"id": 5}]}', "a[0].id", "").provider_id == "5"
    assert read_answer(201, "OK id=ab12", "", r"id=(\w+)").provider_id == "ab12"
    assert read_answer(200, "  xyz \n", "", "").provider_id == "xyz"
    assert read_answer(200, '{"a": 1}', "b", "").error is not None  # accepted but no id: we cannot track it
    for code in (408, 429, 500, 503):
        assert read_answer(code, "", "", "").retryable
    for code in (301, 400, 401, 404):
        outcome = read_answer(code, "bad", "", "")
        assert outcome.error and not outcome.retryable
    assert walk({"a": [1, 2]}, "a[5]") is None


async def test_submit_through_a_real_listener(sqlite_db: Database, provider: Provider) -> None:
    admin = await _admin(sqlite_db)
    stored = await set_http_provider(sqlite_db, admin, _settings(provider.url))
    assert stored.has_auth_value and not hasattr(stored, "auth_value")
    message = await send_message(
        sqlite_db, admin, MessageCreate(text=TEXT, recipients=Recipients(numbers=[OK, BUSY, REFUSED]))
    )
    driver = HttpDriver(sqlite_db, tps=100)
    await driver.start()
    try:
        assert await GatewayWorker(sqlite_db, DatabaseQueue(sqlite_db, 30), driver, 10, 1).run_once() == 3
    finally:
        await driver.stop()
    async with sqlite_db.read() as session:
        rows = {d.phone: d for d in await session.scalars(select(Delivery).where(Delivery.message_id == message.id))}
    assert rows[OK].status == DeliveryStatus.SENT and rows[OK].smsc_id == f"h{stored.id}:m-{rows[OK].id}"
    assert rows[BUSY].status == DeliveryStatus.PENDING and "503" in (rows[BUSY].error or "")  # retried later
    assert rows[REFUSED].status == DeliveryStatus.ERROR and "400" in (rows[REFUSED].error or "")
    sent = next(r for r in provider.requests if r["body"]["to"] == OK)
    assert sent["body"] == {"to": OK, "text": TEXT, "from": "4938", "ref": str(rows[OK].id)}
    assert sent["query"] == {"to": [OK[1:]], "from": ["4938"]} and sent["auth"] == "Bearer s3cret"
    assert [link.name for link in driver.link_states()] == [f"http:Агрегатор#{admin.account_id}"]


async def test_a_provider_that_does_not_answer_is_retried_and_shown_down(sqlite_db: Database) -> None:
    admin = await _admin(sqlite_db)
    await set_http_provider(sqlite_db, admin, _settings("http://127.0.0.1:9"))  # discard port: refused
    await send_message(sqlite_db, admin, MessageCreate(text="x", recipients=Recipients(numbers=[OK])))
    driver = HttpDriver(sqlite_db, tps=100, timeout_seconds=2)
    await driver.start()
    try:
        await GatewayWorker(sqlite_db, DatabaseQueue(sqlite_db, 30), driver, 10, 1).run_once()
    finally:
        await driver.stop()
    async with sqlite_db.read() as session:
        assert (await session.scalar(select(Delivery.status).where(Delivery.phone == OK))) == DeliveryStatus.PENDING
    (link,) = driver.link_states()
    assert link.status == "down" and "ConnectError" in (link.last_error or "")


async def test_a_bad_template_is_refused(sqlite_db: Database) -> None:
    admin = Actor(1, 1, Role.ADMINISTRATOR, "admin", "Admin")  # refused before the database is read
    with pytest.raises(InvalidInput) as refused:
        await set_http_provider(sqlite_db, admin, _settings("http://x", body_template='{"t": "{txt}"}'))
    assert refused.value.code == "http_template_invalid" and "{txt}" in refused.value.detail


async def test_delivery_reports_through_the_app(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    answer = await client.put(f"{API}/admin/http-provider", json=_json(_settings("http://127.0.0.1:9")))
    assert answer.status_code == 200, answer.text
    read = answer.json()
    assert "auth_value" not in read and "dlr_secret" not in read and read["has_auth_value"]
    message = (await client.post(f"{API}/messages", json={"text": "x", "recipients": {"numbers": [OK, BUSY]}})).json()
    async with server_db.write() as session:  # as if the provider had accepted both
        for delivery in await session.scalars(select(Delivery).where(Delivery.message_id == message["id"])):
            delivery.status, delivery.smsc_id = DeliveryStatus.SENT, f"h{read['id']}:p-{delivery.phone[-3:]}"
    url, secret = server.url + read["dlr_url"], "a-long-dlr-secret-0123"

    async def post(payload: object, key: str = secret) -> httpx.Response:
        raw = json.dumps(payload).encode()
        return await client.post(url, content=raw, headers={"X-Signature": sign(key, raw)})

    assert (await post({"id": "p-001", "status": "DONE"})).status_code == 200
    both = await post([{"id": "p-503", "status": "undelivered"}, {"id": "p-999", "status": "delivered"}])
    assert both.status_code == 200 and both.json() == {"applied": 1, "unknown": ["p-999"]}
    assert (await post({"id": "p-404", "status": "delivered"})).status_code == 404  # no such message (yet)
    assert (await post({"id": "p-001", "status": "DONE"}, key="wrong-secret-wrong")).status_code == 401
    assert (await post({"id": "p-001", "status": "мигает"})).status_code == 422
    assert (await post(json.loads("[" * 50 + "]" * 50))).status_code == 422  # no id, no status
    deep = b"[" * 100_000 + b"]" * 100_000
    assert (await client.post(url, content=deep, headers={"X-Signature": sign(secret, deep)})).status_code == 422
    assert (await client.post(server.url + "/api/v1/providers/http/dlr/nope", content=b"{}")).status_code == 404
    async with server_db.read() as session:
        rows = dict(
            (
                await session.execute(
                    select(Delivery.phone, Delivery.status).where(Delivery.message_id == message["id"])
                )
            ).all()
        )
    assert rows == {OK: DeliveryStatus.DELIVERED, BUSY: DeliveryStatus.NOT_DELIVERED}
    counts = (await client.get(f"{API}/gateway/operators")).json()  # no plan here: 916 is unknown to phonenumbers
    assert [(c["operator"], c["sent"], c["delivered"], c["failed"]) for c in counts["items"]] == [("unknown", 2, 1, 1)]
    assert (await client.get(f"{API}/gateway/operators?day=yesterday")).status_code == 400


def _json(data: HttpProviderWrite) -> dict[str, Any]:
    import msgspec

    return msgspec.to_builtins(data)
