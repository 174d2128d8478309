"""E-mail to SMS over real SMTP (smtplib → the aiosmtpd listener of a live server): docs/mail.md."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage

import httpx
import pytest
from sqlalchemy import func, select

from communicator.db.migrate import upgrade
from communicator.db.models import Delivery, Message
from communicator.db.session import Database
from tests.conftest import API, DEMO_PASSWORD, LiveServer, free_port, login, make_server

MONITORING = "monitoring@example.com"
TAG = "АварияСервер1"
PEOPLE = [  # the support engineer (an employee) and two external site admins (contacts without web access)
    ("Инженер поддержки Белов", "+79162000001", "Инженер поддержки"),
    ("Админ площадки «Север» (подрядчик)", "+79162000002", "Внешний администратор площадки"),
    ("Админ площадки «Юг» (подрядчик)", "+79162000003", "Внешний администратор площадки"),
]
MAX_BYTES = 20_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server with its SMTP listener on a free port, shared by this module's tests."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('mail') / 'mail.db'}"
    upgrade(url)
    live = make_server(url, smtp_port=free_port(), mail_max_bytes=MAX_BYTES, mail_max_sms_chars=160)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def admin_cookies(server: LiveServer) -> httpx.Cookies:
    """The demo admin's session, with #АварияСервер1's subscribers and the monitoring senders set up once."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post(f"{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}).status_code == 200
        for name, phone, position in PEOPLE:
            body = {"name": name, "phone": phone, "position": position, "tags": [TAG]}
            assert http.post(f"{API}/employees", json=body).status_code == 201
        senders = [MONITORING, "flappy@example.com", "backup@example.com"]
        response = http.put(f"{API}/mail", json={"allowed_senders": senders})
        assert response.status_code == 200, response.text
        return http.cookies


@pytest.fixture
async def admin_client(server: LiveServer, admin_cookies: httpx.Cookies) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with the admin's session."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10, cookies=admin_cookies) as http:
        yield http


def _mail(subject: str, body: str, sender: str = MONITORING, html: str | None = None) -> EmailMessage:
    """A mail as a monitoring system writes it."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["Subject"] = subject
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail


def _send(port: int, mail: EmailMessage | bytes, to: str | list[str], sender: str = MONITORING) -> None:
    """Deliver over SMTP on loopback (blocking; run it in a thread)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        recipients = [to] if isinstance(to, str) else to
        if isinstance(mail, bytes):
            smtp.sendmail(sender, recipients, mail)
        else:
            smtp.send_message(mail, from_addr=sender, to_addrs=recipients)


async def send(
    server: LiveServer | int, mail: EmailMessage | bytes, to: str | list[str], sender: str = MONITORING
) -> None:
    """_send to a live server's listener (or a port) without blocking the test's loop."""
    port = server if isinstance(server, int) else server.settings.smtp_port
    await asyncio.to_thread(_send, port, mail, to, sender)


async def _address(http: httpx.AsyncClient, which: str = "address") -> str:
    """The account's (secret) address."""
    return (await http.get(f"{API}/mail")).json()[which]


async def _last_message(db: Database) -> tuple[Message, set[str]]:
    """The newest message and the phones it went to."""
    async with db.read() as session:
        message = (await session.scalars(select(Message).order_by(Message.id.desc()).limit(1))).one()
        phones = set(await session.scalars(select(Delivery.phone).where(Delivery.message_id == message.id)))
    return message, phones


async def _count_messages(db: Database) -> int:
    """How many messages are stored."""
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Message)) or 0


async def test_monitoring_alert_reaches_the_tag_subscribers(
    server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database
) -> None:
    """The seed scenario: monitoring mails #АварияСервер1; the engineer and both site admins get the SMS."""
    address = await _address(admin_client)
    assert address.startswith("mail2sms-") and address.endswith("@sms.localhost")
    await send(server, _mail(f"#{TAG} Сервер 1 не отвечает", "ping: 100% потерь\n\n\nс 03:14"), address)
    message, phones = await _last_message(server_db)
    assert phones == {phone for _, phone, _ in PEOPLE}
    assert message.text == f"#{TAG} Сервер 1 не отвечает\nping: 100% потерь\nс 03:14"
    thread = await admin_client.get(f"{API}/messages/{message.id}")
    assert thread.json()["author_name"] == "E-mail"


async def test_html_is_text_and_long_mail_is_cut(
    server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database
) -> None:
    """An HTML-only mail becomes its visible text; beyond the limit (160 here) it ends in «…»."""
    html = "<html><head><style>p{color:red}</style></head><body><p>Диск &laquo;/var&raquo; заполнен</p>"
    html += "<script>alert(1)</script>" + "<p>" + "очень длинная строка " * 20 + "</p></body></html>"
    raw = (
        f"From: {MONITORING}\r\nSubject: =?utf-8?b?I9CQ0LLQsNGA0LjRj9Ch0LXRgNCy0LXRgDEg0LTQuNGB0Lo=?=\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + html
    ).encode()
    await send(server, raw, await _address(admin_client))
    message, _ = await _last_message(server_db)
    assert message.text.startswith(f"#{TAG} диск\nДиск «/var» заполнен\nочень длинная")
    assert "alert" not in message.text and "color" not in message.text
    assert len(message.text) == 160 and message.text.endswith("…")


async def test_refusals_send_nothing(server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database) -> None:
    """Unknown sender or mailbox: 550 at RCPT; no #tag or nobody subscribed: 554 at DATA; nothing stored."""
    address = await _address(admin_client)
    before = await _count_messages(server_db)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await send(server, _mail(f"#{TAG} x", "y"), address, sender="stranger@example.org")
    assert refused.value.recipients[address][0] == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused) as unknown:
        await send(server, _mail(f"#{TAG} x", "y"), "mail2sms-999@sms.localhost")
    assert unknown.value.recipients["mail2sms-999@sms.localhost"][0] == 550
    for subject, reason in (("Сервер 1 не отвечает", b"names no #tag"), ("#никто_не_подписан x", b"Nobody")):
        with pytest.raises(smtplib.SMTPDataError) as error:
            await send(server, _mail(subject, "нет тега"), address)
        assert error.value.smtp_code == 554 and reason in error.value.smtp_error
    assert await _count_messages(server_db) == before


async def test_secret_address_takes_anyone_until_regenerated(
    server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database
) -> None:
    """Anyone may mail the secret address; a regenerated secret shuts the old one (audited)."""
    secret = await _address(admin_client, "secret_address")
    await send(server, _mail(f"#{TAG} через секрет", "x"), secret, sender="anyone@example.org")
    assert (await _last_message(server_db))[0].text.startswith(f"#{TAG} через секрет")
    renewed = (await admin_client.put(f"{API}/mail", json={"regenerate_secret": True})).json()
    assert renewed["secret_address"] != secret
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(server, _mail(f"#{TAG} старый секрет", "x"), secret, sender="anyone@example.org")
    audit = (await admin_client.get(f"{API}/audit")).json()["items"]
    assert audit[0]["action"] == "mail.updated" and audit[0]["details"]["secret_regenerated"] is True
    assert "secret" not in str(audit[0]["details"].get("allowed_senders", ""))


async def test_size_limit(server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database) -> None:
    """A mail over COMMUNICATOR_MAIL_MAX_BYTES is refused (552) and sends nothing."""
    before = await _count_messages(server_db)
    with pytest.raises(smtplib.SMTPException) as error:
        await send(server, _mail(f"#{TAG} большое", "x" * (MAX_BYTES + 100)), await _address(admin_client))
    assert "552" in str(error.value)
    assert await _count_messages(server_db) == before


async def test_headers_and_crlf_add_no_recipients(
    server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database
) -> None:
    """To/Cc/Bcc, encoded CRLF in the subject, numbers in the body: only the tag's subscribers get it."""
    address = await _address(admin_client)
    raw = (
        f"From: {MONITORING}\r\nTo: +79161000001@sms.localhost, {address}\r\nCc: mail2sms-1@sms.localhost\r\n"
        "Bcc: +79161000002\r\nX-Recipients: +79161000003\r\n"
        "Subject: =?utf-8?q?#=D0=90=D0=B2=D0=B0=D1=80=D0=B8=D1=8F=D0=A1=D0=B5=D1=80=D0=B2=D0=B5=D1=801_a?=\r\n"
        " =?utf-8?q?=0D=0ABcc:_+79161000004?=\r\n\r\n"
        "RCPT TO:<+79161000005>\r\nBcc: +79161000006\r\n"
    ).encode()
    await send(server, raw, address)
    message, phones = await _last_message(server_db)
    assert phones == {phone for _, phone, _ in PEOPLE}
    assert "\r" not in message.text and message.text.startswith(f"#{TAG} a Bcc: +79161000004")
    await asyncio.to_thread(_check_second_recipient_refused, server, address)


def _check_second_recipient_refused(server: LiveServer, address: str) -> None:
    """One envelope recipient per mail: the second RCPT is answered 550."""
    with smtplib.SMTP("127.0.0.1", server.settings.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.mail(MONITORING)[0] == 250
        assert smtp.rcpt(address)[0] == 250
        assert smtp.rcpt(address.replace("@", "@", 1))[0] == 550


async def test_same_alert_folds(server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database) -> None:
    """Seven identical alerts within the window: one SMS, the message shows folded = 6 (×7)."""
    address = await _address(admin_client)
    before = await _count_messages(server_db)
    for _ in range(7):
        await send(server, _mail(f"#{TAG} БД недоступна", "повтор"), address)
    assert await _count_messages(server_db) == before + 1
    message, _ = await _last_message(server_db)
    assert (await admin_client.get(f"{API}/messages/{message.id}")).json()["folded"] == 6
    threads = (await admin_client.get(f"{API}/threads")).json()
    thread = next(t for t in threads["items"] if t["last_message"] and t["last_message"]["id"] == message.id)
    page = (await admin_client.get(f"{API}/threads/{thread['id']}/messages")).json()
    assert next(m for m in page["items"] if m["id"] == message.id)["folded"] == 6


async def test_flapping_sender_is_rate_limited(
    server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database
) -> None:
    """Past the account's rate, a sender's mails are refused (554); another sender still gets through."""
    address = await _address(admin_client)
    assert (await admin_client.put(f"{API}/mail", json={"rate_per_hour": 3})).json()["rate_per_hour"] == 3
    try:
        for state in ("DOWN", "UP", "DOWN2"):
            await send(server, _mail(f"#{TAG} {state}", "x"), address, sender="flappy@example.com")
        with pytest.raises(smtplib.SMTPException) as error:
            await send(server, _mail(f"#{TAG} UP2", "x"), address, sender="flappy@example.com")
        assert "554" in str(error.value)
        await send(server, _mail(f"#{TAG} другой источник", "x"), address, sender="backup@example.com")
    finally:
        await admin_client.put(f"{API}/mail", json={"rate_per_hour": None})


async def test_mail_login_permissions_apply(
    server: LiveServer, admin_client: httpx.AsyncClient, server_db: Database
) -> None:
    """The mail login is an Operator: narrowed on the Users page, a mail outside its reach is refused whole."""
    user_id = (await admin_client.get(f"{API}/mail")).json()["user_id"]
    body = {"all": False, "groups": [], "employees": [], "tags": ["авария"]}
    assert (await admin_client.put(f"{API}/users/{user_id}/permissions", json=body)).status_code == 200
    before = await _count_messages(server_db)
    try:
        with pytest.raises(smtplib.SMTPDataError) as error:
            await send(server, _mail(f"#{TAG} запрет", "x"), await _address(admin_client))
        assert error.value.smtp_code == 550
        assert await _count_messages(server_db) == before
    finally:
        body = {"all": True, "groups": [], "employees": [], "tags": []}
        await admin_client.put(f"{API}/users/{user_id}/permissions", json=body)


async def test_mail_settings_are_admin_only(server: LiveServer) -> None:
    """An Operator gets 403 on /api/v1/mail; bad senders are a 400 naming the field."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http, "operator")
        assert (await http.get(f"{API}/mail")).status_code == 403
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await login(http)
        bad = await http.put(f"{API}/mail", json={"allowed_senders": ["not an address"]})
        assert bad.status_code == 400 and "allowed_senders" in bad.text


async def test_communicator_smtp_runs_alone(sqlite_url: str) -> None:
    """`communicator smtp` (run_smtp): the listener without the web app sends through the same services."""
    from sqlalchemy import select as select_

    from communicator.db.models import User
    from communicator.ingress.smtp import run_smtp
    from communicator.schemas import MailSettingsUpdate
    from communicator.services.demo import seed_demo
    from communicator.services.identity.auth import get_user_actor
    from communicator.services.integrations.mail import update_mail_settings
    from communicator.settings import load_settings

    settings = load_settings({}, database_url=sqlite_url, smtp_port=free_port())
    db = Database(sqlite_url)
    try:
        await seed_demo(db, DEMO_PASSWORD)
        async with db.read() as session:
            admin = get_user_actor((await session.scalars(select_(User).where(User.login == "admin"))).one())
        mail = await update_mail_settings(db, admin, settings, MailSettingsUpdate(allowed_senders=[MONITORING]))
        listener = asyncio.create_task(run_smtp(settings))
        try:
            await _wait_listening(settings.smtp_port)
            await send(settings.smtp_port, _mail("#авария отдельный процесс", "x"), mail.address)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        assert (await _last_message(db))[0].text == "#авария отдельный процесс\nx"
    finally:
        await db.dispose()


async def _wait_listening(port: int, timeout: float = 10.0) -> None:
    """Until a TCP connection to the port succeeds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            assert asyncio.get_running_loop().time() < deadline, "the listener did not start"
            await asyncio.sleep(0.02)
