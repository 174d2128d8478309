"""Issue 9's M2M acceptance in a real browser: the admin sets the Operator's API password on the Users page;
then a zeep SOAP SendMessage and an HTTP GET SendMessage with it each produce a message that appears live
in the admin's browser.
"""

from __future__ import annotations

import hashlib

import httpx
import pytest
import zeep
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, PHONE, ROOT, Client, NewClient, open_admin_page, shot
from tests.conftest import LiveServer
from tests.m2m_support import PATH, SERVICE, SHARED_WSDL

pytestmark = pytest.mark.incremental

AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
API_PASSWORD = "operator-m2m-1"
MD5 = hashlib.md5(API_PASSWORD.encode()).hexdigest()
SOAP_TEXT = "M2M SOAP: авария на подстанции"
GET_TEXT = "M2M GET: авария устранена"


@pytest.fixture(scope="module")
def admin(new_client: NewClient) -> Client:
    client = new_client("admin")
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    return client


def test_admin_sets_operator_api_password(admin: Client, new_client: NewClient, server: LiveServer) -> None:
    """Users → operator → «Пароль M2M API» → save; the form confirms, and looks right on a phone too."""
    page = admin.page
    open_admin_page(page, "users")
    page.get_by_test_id("users-row-operator").click()
    section = page.get_by_test_id("api-password")
    expect(section).to_contain_text("Пароль M2M API")
    expect(section.get_by_test_id("api-password-save")).to_be_disabled()
    section.get_by_test_id("api-password-input").fill(API_PASSWORD)
    section.get_by_test_id("api-password-save").click()
    expect(section.get_by_test_id("api-password-saved")).to_be_visible()
    expect(section.get_by_test_id("api-password-input")).to_have_value("")
    section.scroll_into_view_if_needed()
    shot(page, "m2m-api-password-desktop")
    assert _serious_axe_violations(page) == []
    phone = new_client("admin-phone", viewport=PHONE)
    phone.goto()
    phone.login("admin", DEMO_PASSWORD)
    user_id = page.get_by_test_id("user-detail").get_attribute("data-user-id")
    phone.goto(f"#/users/{user_id}")
    phone.page.get_by_test_id("api-password").scroll_into_view_if_needed()
    expect(phone.page.get_by_test_id("api-password-save")).to_be_visible()
    shot(phone.page, "m2m-api-password-phone")
    assert _serious_axe_violations(phone.page) == []


def _serious_axe_violations(page: Page) -> list[str]:
    """axe-core's critical and serious findings in the API password section (the dev dependency, injected)."""
    page.evaluate(AXE.read_text())  # evaluated over the DevTools protocol: the page's CSP forbids inline script
    found = page.evaluate(
        "async () => (await axe.run('[data-testid=\"api-password\"]')).violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])"
    )
    return [f"{rule}: {nodes}" for rule, impact, nodes in found if impact in ("critical", "serious")]


def _shows_live(admin: Client, message_id: int, text: str) -> None:
    """The thread list shows the text without a reload, and it came as a message.created frame on the socket."""
    # Expect first: Playwright's sync API dispatches the recorded frames only while the test calls into it.
    expect(admin.page.get_by_test_id("thread-list")).to_contain_text(text)
    created = [f["message"]["id"] for f in admin.events("message.created")]
    assert message_id in created, created


def test_zeep_soap_send_appears_live(admin: Client, server: LiveServer) -> None:
    """zeep, loaded from the published WSDL, sends as the Operator over SOAP 1.2."""
    admin.page.get_by_test_id("nav-threads").click()
    service = zeep.Client(str(SHARED_WSDL)).create_service(f"{SERVICE}Soap12", server.url + PATH)
    message_id = service.SendMessage(msid="79161000001", message=SOAP_TEXT, naming="", login="operator", password=MD5)
    _shows_live(admin, message_id, SOAP_TEXT)
    shot(admin.page, "m2m-soap-live")


def test_http_get_send_appears_live(admin: Client, server: LiveServer) -> None:
    """A plain HTTP GET, as a PHP site or a shell script sends it."""
    query = {"msid": "79161000013", "message": GET_TEXT, "naming": "", "login": "operator", "password": MD5}
    response = httpx.get(f"{server.url}{PATH}/SendMessage", params=query, timeout=10)
    assert response.status_code == 200, response.text
    message_id = int(response.text.rsplit(">", 2)[-2].split("<")[0])
    _shows_live(admin, message_id, GET_TEXT)
    shot(admin.page, "m2m-get-live")
    # The only console error: the logged-out page's first /auth/me (401) before the login form.
    assert admin.unexpected_console_errors(lambda text: "401 (Unauthorized)" in text) == []
    assert admin.page_errors == []
