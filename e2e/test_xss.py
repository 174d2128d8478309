"""Inbound SMS text is shown as literal text everywhere and runs nothing."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.conftest import DEMO_PASSWORD, NewClient, inbound, shot
from tests.conftest import LiveServer

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script><b>жирный</b>"
UNKNOWN_PHONE = "+79261234567"


def test_inbound_markup_is_literal_text_and_runs_nothing(server: LiveServer, new_client: NewClient) -> None:
    client = new_client("xss")
    page = client.page
    probes: list[str] = []
    page.on("request", lambda request: probes.append(request.url) if request.url.rstrip("/").endswith("/x") else None)

    client.goto()
    csp = page.request.get(server.url).headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    client.login("admin", DEMO_PASSWORD)
    client.console_errors.clear()  # the 401 of /auth/me before logging in is expected

    inbound(server, "+79161000001", IMG)
    inbound(server, UNKNOWN_PHONE, SCRIPT)
    items = page.get_by_test_id("thread-item")
    expect(items).to_have_count(2)
    employee = items.and_(page.locator('[data-kind="employee"]'))
    unknown = items.and_(page.locator('[data-kind="contact"]'))
    expect(employee).to_contain_text(IMG)
    expect(unknown).to_contain_text(SCRIPT)

    employee.click()
    texts = page.get_by_test_id("message-text")
    expect(texts).to_have_text([IMG])
    assert page.get_by_test_id("message-list").locator("img").count() == 0
    shot(page, "31-xss-literal-text")

    unknown.click()
    expect(page.get_by_test_id("thread-title")).to_have_text(UNKNOWN_PHONE)
    expect(texts).to_have_text([SCRIPT])
    expect(page.get_by_test_id("message-sender")).to_have_text(UNKNOWN_PHONE)
    assert page.get_by_test_id("message-list").locator("script, b").count() == 0

    page.get_by_test_id("nav-phones").click()
    page.locator('[data-testid="phone-item"][data-phone="+79161000001"]').click()
    expect(page.locator('[data-testid="phone-message"][data-kind="sent"] p')).to_have_text(IMG)
    assert page.get_by_test_id("phone-messages").locator("img").count() == 0
    shot(page, "32-xss-phone")

    # one more round trip through the socket, so anything the markup could have started has had its turn
    inbound(server, "+79161000001", "Контрольное сообщение")
    expect(page.locator('[data-testid="phone-message"][data-kind="sent"] p')).to_have_text(
        [IMG, "Контрольное сообщение"]
    )
    assert client.dialogs == []
    assert client.page_errors == []
    assert client.console_errors == []
    assert probes == [], f"the markup made the browser fetch {probes}"
