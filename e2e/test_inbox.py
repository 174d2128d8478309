"""«Нераспознанные»: a platform admin assigns an SMS no company could be chosen for, with the keyboard only."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from e2e.conftest import DEMO_PASSWORD, NewClient, open_admin_page, shot
from tests.conftest import API, LiveServer

STRANGER = "+79261234567"
SEVER = {
    "name": "Север",
    "short_number": "4938",
    "admin_login": "sever-admin",
    "admin_password": "sever-password",
}


def test_platform_admin_assigns_an_unrouted_sms_with_the_keyboard(server: LiveServer, new_client: NewClient) -> None:
    client = new_client("inbox")
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)  # the demo admin also runs the platform
    # A second company on the demo's short number: a stranger's SMS to 4938 now has two possible owners.
    created = page.request.post(f"{server.url}{API}/platform/accounts", data=SEVER)
    assert created.status == 201, created.text()
    sms = {"from": STRANGER, "to": "4938", "text": "Кто-нибудь меня слышит?"}
    unrouted = httpx.post(f"{server.url}{API}/simulator/inbound", json=sms, timeout=10).json()
    assert unrouted["sender"] == STRANGER

    open_admin_page(page, "inbox")
    row = page.locator(f'[data-testid="inbox-row"][data-unrouted-id="{unrouted["id"]}"]')
    expect(row).to_contain_text("Кто-нибудь меня слышит?")
    expect(page.get_by_role("heading", level=1)).to_have_text("Нераспознанные")
    shot(page, "40-inbox")

    page.get_by_test_id("inbox-account").focus()
    for _ in range(2):  # past the demo company to «Север» (the short number's owners come first, by id)
        page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id("inbox-account")).to_have_value(str(created.json()["id"]))
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("inbox-assign")).to_be_focused()
    page.keyboard.press("Enter")
    status = page.get_by_test_id("inbox-status")
    expect(status).to_have_text(f"SMS от {STRANGER} назначено компании «Север»")
    expect(status).to_be_focused()
    expect(page.get_by_test_id("inbox-row")).to_have_count(0)
    shot(page, "41-inbox-assigned")

    with httpx.Client(base_url=server.url, timeout=10) as sever:
        login = {"login": SEVER["admin_login"], "password": SEVER["admin_password"]}
        assert sever.post(f"{API}/auth/login", json=login).status_code == 200
        threads = sever.get(f"{API}/threads").json()["items"]
    assert [(t["kind"], t["last_message"]["text"]) for t in threads] == [("contact", sms["text"])]
    assert client.page_errors == [] and client.dialogs == []
