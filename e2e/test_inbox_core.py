"""The coordinator's inbox (issue 11, points 1, 3-6 and the settings page), in Chromium.

One read state across tabs; the reply window; confirmation of a large send; the delivery drawer with its
filters, search and reminder; unknown numbers as contacts. Screenshots at 1280×800 and 390×844.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import ARTIFACTS, DEMO_PASSWORD, PHONE, Client, NewClient, inbound, open_admin_page
from tests.conftest import API, LiveServer

pytestmark = [pytest.mark.incremental, pytest.mark.heavy]  # heavy: started first (docs/testing.md)

FITTERS = 1  # «Монтажники»: 8 members
IVANOV, PETROV = "+79161000001", "+79161000002"
STRANGER, NEWCOMER = "+79035550123", "+79035550124"


def shot(page: Page, name: str) -> None:
    """A screenshot with animations finished (the drawer slides in)."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


def item(page: Page, thread_id: int) -> Locator:
    return page.locator(f'[data-testid="thread-item"][data-thread-id="{thread_id}"]')


def badge(page: Page, thread_id: int) -> Locator:
    return item(page, thread_id).get_by_test_id("unread-badge")


class Tabs:
    first: Client
    second: Client


TABS = Tabs()


def _post(client: Client, path: str, body: dict, method: str = "POST") -> dict:
    response = client.page.request.fetch(f"{client.server.url}{API}{path}", method=method, data=body)
    assert response.ok, f"{path}: {response.status} {response.text()}"
    return response.json() if response.status != 204 else {}


def test_reading_in_one_tab_clears_it_in_the_other(server: LiveServer, new_client: NewClient) -> None:
    TABS.first, TABS.second = new_client("tab-1"), new_client("tab-2")
    for tab in (TABS.first, TABS.second):
        tab.goto()
        tab.login("admin", DEMO_PASSWORD)
    first, second = TABS.first.page, TABS.second.page
    _post(TABS.first, "/messages", {"text": "Сбор в 9:00", "recipients": {"groups": [FITTERS]}})
    inbound(server, IVANOV, "Буду")
    inbound(server, PETROV, "Опоздаю на 10 минут")
    group = TABS.first.thread_id("group", FITTERS)
    ivanov = TABS.first.thread_id("employee", 1)
    for page in (first, second):
        expect(badge(page, group)).to_have_text("2")
        expect(badge(page, ivanov)).to_have_text("1")
        expect(page.get_by_test_id("nav-threads")).to_contain_text("2")  # two replies, not four
    item(first, ivanov).click()
    # read in tab 1's person thread: cleared there, in the group thread, and in tab 2 through the event
    expect(badge(second, ivanov)).to_have_count(0)
    expect(badge(second, group)).to_have_text("1")
    second.get_by_test_id("thread-filter-unread").click()
    expect(second.get_by_test_id("thread-item")).to_have_count(2)  # the group and Petrov
    shot(second, "60-inbox-unread-filter")
    second.get_by_test_id("read-all").click()
    expect(second.get_by_test_id("thread-item")).to_have_count(0)
    expect(badge(first, group)).to_have_count(0)
    second.get_by_test_id("thread-filter-groups").click()
    expect(second.get_by_test_id("thread-item")).to_have_count(1)
    second.get_by_test_id("thread-filter-people").click()
    expect(second.locator('[data-testid="thread-item"][data-kind="group"]')).to_have_count(0)
    second.get_by_test_id("thread-filter-all").click()


def test_the_settings_page_and_the_reply_window(server: LiveServer) -> None:
    client = TABS.first
    page = client.page
    open_admin_page(page, "settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Настройки компании")
    page.get_by_test_id("settings-reply-window").fill("0")
    page.get_by_test_id("settings-save").click()
    expect(page.get_by_test_id("settings-saved")).to_be_visible()
    shot(page, "61-inbox-settings")
    sent = _post(client, "/messages", {"text": "Кто на объекте?", "recipients": {"groups": [FITTERS]}})
    late = inbound(server, IVANOV, "Где ключи?")
    assert late["reply_to_id"] is None  # outside the window: not filed under the broadcast
    group = client.thread_id("group", FITTERS)
    page.goto(f"{server.url}/#/threads/{group}")
    expect(page.locator(f'[data-testid="message-replies"][data-reply-to="{sent["id"]}"]')).to_have_count(0)
    page.goto(f"{server.url}/#/threads/{client.thread_id('employee', 1)}")
    expect(page.get_by_test_id("message-text").last).to_have_text("Где ключи?")
    _post(client, "/account/settings", {"reply_window_hours": 12, "confirm_threshold_sms": 5}, "PUT")


def test_a_large_send_asks_for_confirmation(server: LiveServer) -> None:
    client = TABS.first
    page = client.page
    page.goto(f"{server.url}/#/threads/{client.thread_id('group', FITTERS)}")
    outgoing = page.locator('[data-testid="message"][data-direction="out"]')
    expect(outgoing.last.get_by_test_id("message-text")).to_have_text("Кто на объекте?")
    before = outgoing.count()
    page.get_by_test_id("composer-text").fill("Завтра выходной")
    page.get_by_test_id("composer-send").click()
    expect(page.get_by_test_id("confirm-send-total")).to_have_text("8 получателей × 1 часть = 8 SMS")
    shot(page, "62-inbox-confirm")
    page.get_by_test_id("confirm-send-cancel").click()
    expect(page.get_by_test_id("confirm-send")).to_have_count(0)
    expect(outgoing).to_have_count(before)
    page.get_by_test_id("composer-text").fill("Завтра выходной")
    page.get_by_test_id("composer-send").click()
    page.get_by_test_id("confirm-send-ok").click()
    expect(outgoing.last.get_by_test_id("message-text")).to_have_text("Завтра выходной")
    _post(client, "/account/settings", {"reply_window_hours": 12, "confirm_threshold_sms": 100}, "PUT")


def test_the_delivery_list_filters_searches_and_reminds(server: LiveServer) -> None:
    client = TABS.first
    page = client.page
    sent = _post(client, "/messages", {"text": "Отметьтесь, кто на смене", "recipients": {"groups": [FITTERS]}})
    inbound(server, PETROV, "На смене")
    group = client.thread_id("group", FITTERS)
    page.goto(f"{server.url}/#/threads/{group}")
    bubble = page.locator(f'[data-message-id="{sent["id"]}"]')
    bubble.get_by_test_id("recipients-open").click()
    rows = page.get_by_test_id("drawer-delivery")
    expect(rows).to_have_count(8)
    page.get_by_test_id("delivery-filter-answered").click()
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-phone", PETROV)
    page.get_by_test_id("delivery-filter-unanswered").click()
    expect(rows).to_have_count(7)
    page.get_by_test_id("delivery-search").fill("Сидоров")
    expect(rows).to_have_count(1)
    page.get_by_test_id("delivery-search").fill("")
    expect(rows).to_have_count(7)
    shot(page, "63-inbox-delivery-drawer")
    page.get_by_test_id("remind-open").click()
    page.get_by_test_id("remind-text").fill("Напоминаю: отметьтесь")
    page.get_by_test_id("remind-send").click()
    expect(page.get_by_test_id("remind-done")).to_be_visible()
    page.get_by_test_id("drawer-close").click()
    reminder = page.locator('[data-testid="message"][data-direction="out"]').last
    expect(reminder.get_by_test_id("message-text")).to_have_text("Напоминаю: отметьтесь")
    expect(reminder.get_by_test_id("follow-up-of")).to_be_visible()
    expect(bubble.get_by_test_id("follow-ups")).to_have_text("↪ 1 напоминание")
    message = client.api(f"{API}/messages/{sent['id']}")
    assert len(message["follow_up_ids"]) == 1
    assert client.api(f"{API}/messages/{message['follow_up_ids'][0]}")["summary"]["total"] == 7


def test_unknown_numbers_are_contacts(server: LiveServer) -> None:
    client = TABS.first
    page = client.page
    inbound(server, STRANGER, "Здравствуйте, я по поводу заказа")
    inbound(server, NEWCOMER, "Я новый монтажник")
    contacts = {t["phone"]: t for t in client.api(f"{API}/threads")["items"] if t["kind"] == "contact"}
    assert set(contacts) == {STRANGER, NEWCOMER}
    page.goto(f"{server.url}/#/threads/{contacts[STRANGER]['id']}")
    expect(page.get_by_test_id("thread-title")).to_have_text(STRANGER)
    page.get_by_test_id("composer-text").fill("Добрый день! Слушаем вас")
    page.get_by_test_id("composer-send").click()
    outgoing = page.locator('[data-testid="message"][data-direction="out"]')
    expect(outgoing.get_by_test_id("message-text")).to_have_text(["Добрый день! Слушаем вас"])
    page.get_by_test_id("contact-add").click()
    page.get_by_test_id("contact-as-contact").check()
    page.get_by_test_id("contact-name").fill("ООО Ромашка")
    shot(page, "64-inbox-contact-add")
    page.get_by_test_id("contact-save").click()
    expect(page.get_by_test_id("thread-title")).to_have_text("ООО Ромашка")
    expect(page.get_by_test_id("message-sender").first).to_have_text("ООО Ромашка")
    expect(TABS.second.page.locator(f'[data-thread-id="{contacts[STRANGER]["id"]}"]')).to_contain_text("ООО Ромашка")

    newcomer = contacts[NEWCOMER]["id"]
    page.goto(f"{server.url}/#/threads/{newcomer}")
    page.get_by_test_id("contact-add").click()
    page.get_by_test_id("contact-name").fill("Зайцев Пётр")
    page.get_by_test_id("contact-save").click()
    expect(page.get_by_test_id("thread-title")).to_have_text("Зайцев Пётр")
    expect(item(page, newcomer)).to_have_attribute("data-kind", "employee")
    expect(page.get_by_test_id("message-sender")).to_have_text("Зайцев Пётр")  # its past messages follow it
    page.get_by_test_id("nav-directory").click()
    page.get_by_test_id("directory-tab-contacts").click()
    expect(page.get_by_test_id("contact-row")).to_contain_text(["ООО Ромашка"])


def _open_first_recipients(page: Page) -> None:
    """Open the first message's recipients; a click that lands while the thread is still being laid out is tried again."""
    drawer = page.get_by_test_id("drawer-delivery").first
    for _ in range(3):
        page.get_by_test_id("recipients-open").first.click()
        try:
            expect(drawer).to_be_visible(timeout=3000)
            return
        except AssertionError:
            continue
    expect(drawer).to_be_visible()


def test_phone_screens(server: LiveServer, new_client: NewClient) -> None:
    phone = new_client("phone", viewport=PHONE)
    phone.goto()
    phone.login("admin", DEMO_PASSWORD)
    page = phone.page
    inbound(server, PETROV, "Ещё одно")
    expect(page.get_by_test_id("thread-filter-unread")).to_be_visible()
    shot(page, "65-inbox-phone-threads")
    page.goto(f"{server.url}/#/settings")
    expect(page.get_by_test_id("settings-save")).to_be_visible()
    shot(page, "66-inbox-phone-settings")
    group = phone.thread_id("group", FITTERS)
    page.goto(f"{server.url}/#/threads/{group}")
    _open_first_recipients(page)
    shot(page, "67-inbox-phone-delivery-drawer")
    page.get_by_test_id("drawer-close").click()
    contact = next(t["id"] for t in phone.api(f"{API}/threads")["items"] if t["kind"] == "contact")
    page.goto(f"{server.url}/#/threads/{contact}")
    expect(page.get_by_test_id("thread-title")).to_have_text("ООО Ромашка")
    shot(page, "68-inbox-phone-contact")
    for client in (TABS.first, TABS.second, phone):
        assert client.page_errors == [] and client.dialogs == [], client.name
