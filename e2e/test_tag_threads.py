"""Tag threads and external contacts on tags (issue 8, points 1 and 2), in Chromium.

The field-coordination journey: a coordinator sends an order «#1234 …» to an installer, the installer
answers «#1234 готово» from their phone; both show in thread #1234 under «Теги» and in the installer's own
thread. Then a contractor subscribed to a tag in the directory answers «СТОП» and the directory shows it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import ARTIFACTS, DEMO_PASSWORD, PHONE, Client, NewClient, inbound
from tests.conftest import LiveServer

pytestmark = pytest.mark.incremental

IVANOV_NAME, IVANOV = "Иванов Сергей Петрович", "+79161000001"
ORDER = "#1234 ул. Ленина 5, замер 14:00"
CONTRACTOR = "+79035550777"


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


class State:
    client: Client


STATE = State()


def bubbles(page: Page):
    return page.get_by_test_id("thread-view").get_by_test_id("message-text")


def test_order_and_report_share_thread_1234(server: LiveServer, new_client: NewClient) -> None:
    STATE.client = client = new_client("coordinator")
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    client.goto("#/new")
    recipients = page.get_by_test_id("recipient-input")
    recipients.fill("Иван")
    page.get_by_test_id("recipient-suggestion").filter(has_text=IVANOV_NAME).click()
    page.get_by_test_id("composer-text").fill(ORDER)
    page.get_by_test_id("composer-send").click()
    expect(page.get_by_test_id("outbox").get_by_test_id("message-text")).to_have_text([ORDER])

    client.goto("#/threads")
    page.get_by_test_id("thread-filter-tags").click()
    tag_item = page.locator('[data-testid="thread-item"][data-kind="tag"]')
    expect(tag_item).to_have_count(1)
    expect(tag_item).to_contain_text("#1234")

    inbound(server, IVANOV, "#1234 готово")
    expect(page.get_by_test_id("tag-unread")).to_have_text("1")
    expect(tag_item.get_by_test_id("unread-badge")).to_have_text("1")
    tag_item.click()
    expect(page.get_by_test_id("thread-title")).to_have_text("#1234")
    expect(bubbles(page)).to_have_text([ORDER, "#1234 готово"])
    expect(page.get_by_test_id("tag-unread")).to_have_count(0)  # read here, so read everywhere
    expect(page.get_by_test_id("thread-filter-unread")).to_have_text("Непрочитанные")
    expect(page.get_by_test_id("composer-text")).to_have_value("#1234 ")  # the answer comes back with the tag
    expect(page.get_by_test_id("tag-no-subscribers")).to_be_visible()  # an order number nobody subscribes to
    shot(page, "80-tag-thread")

    page.get_by_test_id("thread-filter-people").click()
    person = page.locator('[data-testid="thread-item"][data-kind="employee"]').filter(has_text=IVANOV_NAME)
    expect(person.get_by_test_id("unread-badge")).to_have_count(0)
    person.click()
    expect(bubbles(page)).to_have_text([ORDER, "#1234 готово"])


def test_a_contact_on_a_tag_says_stop_and_the_directory_shows_it(server: LiveServer) -> None:
    page = STATE.client.page
    STATE.client.goto("#/directory/contacts")
    page.get_by_test_id("contact-create-open").click()
    page.get_by_test_id("contact-create-phone").fill(CONTRACTOR)
    page.get_by_test_id("contact-create-name").fill("Подрядчик Кровля")
    page.get_by_test_id("contact-create-tags-input").fill("#Объект")
    page.get_by_test_id("contact-create-tags-input").press("Enter")
    page.get_by_test_id("contact-create-save").click()
    row = page.locator(f'[data-testid="contact-row"][data-phone="{CONTRACTOR}"]')
    expect(row.get_by_test_id("contact-tag")).to_have_text(["#объект"])

    inbound(server, CONTRACTOR, "СТОП")
    expect(row.get_by_test_id("contact-opted-out")).to_contain_text("#объект")
    shot(page, "81-contact-opted-out")
    page.set_viewport_size(PHONE)
    shot(page, "81-contact-opted-out-phone")

    STATE.client.goto("#/new")
    page.get_by_test_id("recipient-input").fill("#объ")
    page.locator('[data-testid="recipient-suggestion"][data-kind="tag"]').click()
    expect(page.get_by_test_id("composer-opted-out")).to_contain_text("1 отписался")

    STATE.client.goto("#/directory/contacts")
    row.get_by_test_id("contact-resubscribe").click()
    expect(row.get_by_test_id("contact-opted-out")).to_have_count(0)
    expect(row.get_by_test_id("contact-tag")).to_have_text(["#объект"])
    # the one 401 is the login page asking who is logged in, before anyone is
    assert STATE.client.unexpected_console_errors(lambda text: "401" in text) == []
