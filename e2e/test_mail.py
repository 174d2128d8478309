"""E-mail to SMS end to end: the admin allows a sender on «Интеграции»; its mail shows up live in the browser."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, PHONE, NewClient, open_admin_page, shot
from tests.conftest import LiveServer

SENDER = "zabbix@monitoring.example"
AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def _mail(server: LiveServer, to: str, subject: str) -> None:
    """One alert over SMTP on loopback, from the monitoring system."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = SENDER, to, subject
    mail.set_content("Проверка ping: 100% потерь")
    with smtplib.SMTP("127.0.0.1", server.settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(mail)


def _serious_axe_violations(page: Page) -> list[str]:
    """Critical and serious accessibility violations of the «Интеграции» page's content (axe-core)."""
    page.evaluate(AXE.read_text())  # evaluated over the DevTools protocol: the page's CSP does not apply
    script = "async () => (await axe.run('[data-testid=integrations-page]')).violations.map(v => [v.id, v.impact, v.nodes.map(n => n.html)])"
    result = page.evaluate(script)
    return [f"{rule}: {nodes}" for rule, impact, nodes in result if impact in ("critical", "serious")]


def test_admin_allows_a_sender_and_its_mail_appears_live(server: LiveServer, new_client: NewClient) -> None:
    client = new_client("mail")
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    open_admin_page(page, "integrations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Интеграции")
    address = page.get_by_test_id("mail-address").inner_text()
    expect(page.get_by_test_id("mail-secret-address")).to_contain_text(address.split("@")[0] + "-")
    page.get_by_test_id("mail-senders").fill(SENDER)
    page.get_by_test_id("mail-save").click()
    expect(page.get_by_test_id("mail-notice")).to_have_text("Настройки почты сохранены")
    shot(page, "60-integrations")
    violations = _serious_axe_violations(page)
    assert violations == []

    page.get_by_test_id("nav-threads").click()
    subject = "#авария Сервер 1 недоступен"
    _mail(server, address, subject)
    item = page.locator('[data-testid="thread-item"]', has_text="Сервер 1 недоступен").first
    expect(item).to_be_visible()
    item.click()
    bubble = page.locator("[data-message-id]", has_text="Сервер 1 недоступен").last
    expect(bubble).to_contain_text("E-mail")
    _mail(server, address, subject)  # the same alert again: folded, not sent twice
    expect(page.get_by_test_id("message-folded").last).to_have_text("×2")
    shot(page, "61-mail-alert-folded")

    page.set_viewport_size(PHONE)
    page.get_by_test_id("nav-toggle").click()
    open_admin_page(page, "integrations")
    expect(page.get_by_test_id("mail-senders")).to_have_value(SENDER)
    shot(page, "62-integrations-phone")
    assert client.page_errors == [] and client.dialogs == []
