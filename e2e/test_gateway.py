"""«Шлюз»: a platform admin sees each bind's state, one of them down, at desktop and phone sizes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from e2e.conftest import DEMO_PASSWORD, PHONE, NewClient, open_admin_page, shot
from tests.conftest import LiveServer

ERROR = "bind_transceiver: ESME_RBINDFAIL (0x0000000D) from smsc.mts.ru:2775"


def _record_down_bind(server: LiveServer) -> None:
    """A second gateway process whose bind is reconnecting, as that process would have reported it."""
    path = server.settings.database_url.split(":///", 1)[1]
    now = datetime.now(UTC)
    since = (now - timedelta(minutes=7)).isoformat()
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO gateway_links VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "gateway-2:41",
                "smpp:communicator@smsc.mts.ru:2775#1",
                "connecting",
                since,
                ERROR,
                50.0,
                0.0,
                now.isoformat(),
            ),
        )


def test_gateway_page_shows_a_bind_down(server: LiveServer, new_client: NewClient) -> None:
    _record_down_bind(server)
    for name, viewport in (("desktop", None), ("phone", PHONE)):
        client = new_client(f"gateway-{name}", **({"viewport": viewport} if viewport else {}))
        page = client.page
        client.goto()
        client.login("admin", DEMO_PASSWORD)
        if viewport:
            page.get_by_test_id("nav-toggle").click()
        open_admin_page(page, "gateway")
        expect(page.get_by_role("heading", level=1)).to_have_text("Шлюз")
        rows = page.get_by_test_id("gateway-link")
        expect(rows).to_have_count(2)
        down = page.locator('[data-testid="gateway-link"][data-status="connecting"]')
        expect(down).to_contain_text("Переподключение с")
        expect(down).to_contain_text("ESME_RBINDFAIL")
        expect(page.locator('[data-testid="gateway-link"][data-status="bound"]')).to_contain_text("Подключено")
        expect(page.get_by_test_id("operator-counts")).to_be_visible()
        expect(page.get_by_test_id("gateway-alarm")).to_have_count(0)  # the simulator's bind is up
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= (viewport or {"width": 1280})["width"], f"{name}: the page scrolls sideways ({width}px)"
        shot(page, f"50-gateway-{name}")
        assert client.page_errors == [] and client.dialogs == []


def test_a_platform_admin_adds_edits_and_disables_an_smpp_bind(server: LiveServer, new_client: NewClient) -> None:
    from e2e.test_a11y import axe_findings

    client = new_client("gateway-binds", bypass_csp=True)  # axe-core is injected as a script
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    open_admin_page(page, "gateway")
    page.get_by_test_id("bind-add").click()
    page.get_by_test_id("bind-host").fill("smsc.example.ru")
    page.get_by_test_id("bind-system-id").fill("esme1")
    page.get_by_test_id("bind-password").fill("secret")
    page.get_by_test_id("bind-source").fill("ACME")
    assert axe_findings(page) == [], "the bind form passes axe"
    page.get_by_test_id("bind-save").click()
    row = page.get_by_test_id("smpp-bind")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("smpp:esme1@smsc.example.ru:2775#b")
    expect(row).to_have_attribute("data-enabled", "true")
    page.get_by_test_id("bind-edit").click()
    expect(page.get_by_test_id("bind-password")).to_have_value("")  # the password is never read back
    page.get_by_test_id("bind-port").fill("2776")
    page.get_by_test_id("bind-save").click()
    expect(row).to_contain_text("smpp:esme1@smsc.example.ru:2776#b")
    page.get_by_test_id("bind-toggle").click()
    expect(row).to_have_attribute("data-enabled", "false")
    expect(row).to_contain_text("Выключено")
    assert axe_findings(page) == []
    shot(page, "51-gateway-binds")
    assert client.page_errors == [] and client.dialogs == []
