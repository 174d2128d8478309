"""«Подключения SMPP»: an admin adds binds on «Шлюз», one binds to a real SMSC peer, one cannot; both show their state."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, PHONE, NewClient, open_admin_page, shot, start_server
from tests.conftest import LiveServer, free_port
from tests.smsc_peer import Script, SmscPeer

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "img"
STATE_SECONDS = 15_000  # the gateway re-reads the table every 0.2 s; the page refreshes states every 5 s


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the SMPP driver and no settings' bind: only the binds added on the page run."""
    live = start_server(
        tmp_path_factory,
        smtp_port=0,
        gateway_driver="smpp",
        smpp_system_id="",
        smpp_binds_reload_seconds=0.2,
        smpp_enquire_link_seconds=1.0,
        gateway_link_report_seconds=0.2,
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def smsc() -> Iterator[SmscPeer]:
    """A scripted SMSC on its own event loop (Playwright's sync API owns this thread)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    peer = asyncio.run_coroutine_threadsafe(SmscPeer(Script()).start(), loop).result(10)
    yield peer
    asyncio.run_coroutine_threadsafe(peer.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _add_bind(page: Page, port: int, system_id: str, platform_admin: bool = True) -> None:
    """Fill the form from the keyboard: Add, the fields in tab order, Enter saves."""
    expect(page.get_by_test_id("bind-add")).to_be_enabled()  # once the binds are listed
    page.get_by_test_id("bind-add").focus()
    page.keyboard.press("Enter")
    if platform_admin:
        expect(page.get_by_test_id("bind-account")).to_be_focused()  # a platform admin picks the account first
        page.keyboard.press("Tab")
    expect(page.get_by_test_id("bind-host")).to_be_focused()
    page.keyboard.type("127.0.0.1")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(str(port))
    page.keyboard.press("Tab")
    page.keyboard.type(system_id)
    page.keyboard.press("Tab")
    page.keyboard.type("pw")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("bind-form")).to_have_count(0)
    expect(page.get_by_test_id("bind-add")).to_be_focused()  # focus goes back where it came from


def _save_screenshots(page: Page) -> None:
    """«Шлюз» with one bind up and one down, at 1280 and at 390 px, into docs/img (the page must not scroll sideways)."""
    page.reload()  # the top bar's no-bind warning polls every 15 s; a fresh page asks at once
    expect(page.get_by_test_id("gateway-alarm")).to_have_count(0)
    expect(page.locator('[data-testid="smpp-bind"][data-status="bound"]')).to_have_count(1)
    for viewport, name in ((None, "gateway-binds.png"), (PHONE, "gateway-binds-phone.png")):
        if viewport:
            page.set_viewport_size(viewport)
        page.get_by_test_id("smpp-binds-section").scroll_into_view_if_needed()
        width, allowed = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width <= allowed, f"the page scrolls sideways at {allowed} px ({width}px)"
        page.screenshot(path=str(IMAGES / name))


def _wait_unbound(page: Page, smsc: SmscPeer) -> None:
    """Until the peer has no session left (the gateway unbinds within its reload interval), 10 s at most."""
    deadline = page.evaluate("Date.now()") + 10_000
    while smsc.sessions and page.evaluate("Date.now()") < deadline:
        page.wait_for_timeout(100)
    assert not smsc.sessions, "the disabled bind was unbound"


def test_an_admin_adds_binds_and_sees_each_ones_state(
    server: LiveServer, smsc: SmscPeer, new_client: NewClient
) -> None:
    client = new_client("binds", viewport={"width": 1280, "height": 1000})
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    open_admin_page(page, "gateway")
    expect(page.get_by_role("heading", name="Подключения SMPP")).to_be_visible()
    _add_bind(page, smsc.port, "esme-up")
    _add_bind(page, free_port(), "esme-down")  # nothing listens there
    up = page.locator('[data-testid="smpp-bind"]', has_text="esme-up")
    down = page.locator('[data-testid="smpp-bind"]', has_text="esme-down")
    expect(up).to_have_attribute("data-status", "bound", timeout=STATE_SECONDS)
    expect(up).to_contain_text("Подключено")
    expect(down).to_have_attribute("data-status", "connecting", timeout=STATE_SECONDS)
    expect(down).to_contain_text("Переподключение с")
    expect(down.get_by_test_id("bind-error")).to_contain_text("Connection refused")
    assert [session.system_id for session in smsc.sessions.values()] == ["esme-up"]
    _save_screenshots(page)

    up.get_by_test_id("bind-toggle").click()
    expect(up).to_have_attribute("data-status", "disabled")
    expect(up).to_contain_text("Выключено")
    _wait_unbound(page, smsc)
    shot(page, "52-gateway-binds-phone")
    down.get_by_test_id("bind-edit").click()
    expect(page.get_by_test_id("bind-host")).to_have_value("127.0.0.1")
    expect(page.get_by_test_id("bind-password")).to_have_value("")  # the password is never read back
    shot(page, "53-gateway-bind-form-phone")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("bind-form")).to_have_count(0)
    expect(page.get_by_test_id("bind-add")).to_be_focused()
    assert client.page_errors == [] and client.dialogs == []

def _new_company(server: LiveServer) -> None:
    """A second company with its own Administrator (login north-admin), created by the platform admin."""
    with httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as http:
        assert http.post("/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}).status_code == 200
        company = {"name": "ООО «Север»", "short_number": "5001", "admin_login": "north-admin"}
        created = http.post("/platform/accounts", json={**company, "admin_password": DEMO_PASSWORD})
        assert created.status_code == 201, created.text


def test_a_companys_administrator_manages_only_its_own_binds(
    server: LiveServer, smsc: SmscPeer, new_client: NewClient
) -> None:
    from e2e.test_a11y import axe_findings

    _new_company(server)
    client = new_client("binds-account-admin", viewport=PHONE, bypass_csp=True)  # axe-core is injected as a script
    page = client.page
    client.goto()
    client.login("north-admin", DEMO_PASSWORD)
    page.get_by_test_id("nav-toggle").click()
    open_admin_page(page, "gateway")
    expect(page.get_by_test_id("gateway-links")).to_have_count(0)  # the platform's links are not theirs to see
    rows = page.get_by_test_id("smpp-bind")
    expect(page.get_by_test_id("smpp-binds")).to_contain_text("Подключений, добавленных здесь, пока нет")
    _add_bind(page, smsc.port, "north", platform_admin=False)
    expect(rows).to_have_count(1)  # the first company's binds stay out of sight
    expect(rows).to_have_attribute("data-status", "bound", timeout=STATE_SECONDS)
    expect(rows).not_to_contain_text("ООО «Север»")  # no account column for their own binds
    assert axe_findings(page) == []
    shot(page, "54-gateway-binds-account-admin-phone")
    assert client.page_errors == [] and client.dialogs == []
