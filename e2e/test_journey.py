"""The coordinator's journey (issue steps 2→7) in two browser contexts against a live server.

Coordinator = the demo admin; the second operator is created through the employee form. The steps
share one server and one pair of browser contexts, so they run in order; after a failed step the
rest are skipped. Every page is photographed to test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import DEMO_PASSWORD, PHONE, Client, NewClient, inbound, shot
from tests.conftest import LiveServer

pytestmark = [pytest.mark.incremental, pytest.mark.heavy]  # heavy: started first (docs/testing.md)

OPERATOR_LOGIN = "operator2"
OPERATOR_PASSWORD = "operator2-pass"
OPERATOR_NAME = "Белова Ирина Андреевна"
NEW_EMPLOYEE = "Тестов Тимур Ильич"
NEW_GROUP = "Бригада «Север»"
NEW_GROUP_COLOR = "#ef6c00"
IVANOV, PETROV, SIDOROV = 1, 2, 3
IVANOV_NAME = "Иванов Сергей Петрович"
PETROV_NAME = "Петров Алексей Викторович"
MONTAZHNIKI = 1
RAW_NUMBER = "+79169990001"
INVALID_NUMBER = "+70000000000"
BROADCAST = "Завтра в 8:00 сбор у склада №3. Кто будет — ответьте на это SMS."
FOLLOW_UP = "Уточнение: возьмите СИЗ и пропуск."
IVANOV_REPLY = "Буду в 8:00. Иванов"
PETROV_REPLY = "Петров: буду к 8:15, пробки"
OFFLINE_REPLIES = [f"Сидоров: ответ {n} из 3" for n in (1, 2, 3)]
ONLINE_REPLY = "Сидоров: и ещё один, уже онлайн"


@dataclass
class Journey:
    server: LiveServer
    coordinator: Client
    operator: Client | None = None
    mobile: Client | None = None
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def journey(server: LiveServer, new_client: NewClient) -> Journey:
    return Journey(server, new_client("coordinator"))


def by_id(page: Page, testid: str, attribute: str, value: object) -> Locator:
    return page.locator(f'[data-testid="{testid}"][{attribute}="{value}"]')


def thread_item(page: Page, thread_id: int) -> Locator:
    return by_id(page, "thread-item", "data-thread-id", thread_id)


def mark_page(page: Page) -> None:
    """Leave a marker in the page's JS world: if it is still there later, the page was not reloaded."""
    page.evaluate("window.__e2eNoReload = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__e2eNoReload === true"), "the page was reloaded"


def test_login_in_russian_switch_language(journey: Journey) -> None:
    """Russian by default; EN and back on the login page and in the app; a wrong password is refused."""
    c = journey.coordinator
    page = c.page
    c.goto()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("login-submit")).to_have_text("Войти")
    expect(page.get_by_text("Пароль", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.wait_for_load_state("networkidle")  # the logo, inserted with the form, has loaded
    shot(page, "01-login-ru")

    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("login-submit")).to_have_text("Sign in")
    expect(page.get_by_text("Password", exact=True)).to_be_visible()
    shot(page, "02-login-en")
    page.get_by_test_id("lang-ru").click()
    expect(page.get_by_test_id("login-submit")).to_have_text("Войти")

    page.get_by_test_id("login-username").fill("admin")
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Неверный логин или пароль")

    c.login("admin", DEMO_PASSWORD)
    expect(page.get_by_test_id("user-name")).to_have_text("Администратор")
    expect(page.get_by_test_id("nav-threads")).to_have_text("Сообщения")
    expect(page.get_by_test_id("connection-status")).to_contain_text("В сети")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("nav-threads")).to_have_text("Messages")
    expect(page.get_by_test_id("nav-directory")).to_have_text("Directory")
    expect(page.get_by_test_id("connection-status")).to_contain_text("Online")
    shot(page, "03-threads-empty-en")
    page.get_by_test_id("lang-ru").click()
    expect(page.get_by_test_id("nav-threads")).to_have_text("Сообщения")
    expect(page.get_by_test_id("thread-list")).to_contain_text("Диалогов пока нет")


def test_directory_add_edit_deactivate_employee_and_operator(journey: Journey) -> None:
    c = journey.coordinator
    page = c.page
    page.get_by_test_id("nav-directory").click()
    expect(page.get_by_test_id("employee-row")).to_have_count(20)
    shot(page, "04-directory-employees")

    # add: a Russian-habit number is stored in E.164
    page.get_by_test_id("employee-add").click()
    form = page.get_by_test_id("employee-form")
    expect(form).to_be_visible()
    form.get_by_test_id("employee-name").fill(NEW_EMPLOYEE)
    form.get_by_test_id("employee-phone").fill("8 (916) 100-00-21")
    form.get_by_test_id("employee-email").fill("testov@energomontazh.example")
    form.get_by_test_id("employee-position").fill("Стажёр")
    by_id(page, "group-option", "data-group-id", 2).click()
    expect(by_id(page, "group-option", "data-group-id", 2)).to_have_attribute("aria-pressed", "true")
    shot(page, "05-employee-form")
    form.get_by_test_id("employee-save").click()
    expect(form).to_be_hidden()
    row = page.get_by_test_id("employee-row").filter(has_text=NEW_EMPLOYEE)
    expect(row).to_contain_text("+79161000021")
    expect(row).to_contain_text("Стажёр")
    expect(row.get_by_test_id("group-chip")).to_have_text("Замерщики")
    expect(page.get_by_test_id("employee-row")).to_have_count(21)
    employee_id = int(row.get_attribute("data-employee-id") or 0)

    # edit
    row.get_by_test_id("employee-edit").click()
    expect(form.get_by_test_id("employee-name")).to_have_value(NEW_EMPLOYEE)
    form.get_by_test_id("employee-position").fill("Замерщик-стажёр")
    form.get_by_test_id("employee-save").click()
    expect(form).to_be_hidden()
    expect(row).to_contain_text("Замерщик-стажёр")

    # deactivate (it asks first)
    row.get_by_test_id("employee-toggle-active").click()
    row.get_by_test_id("employee-deactivate-confirm").click()
    expect(row).to_contain_text("Неактивен")
    expect(row.get_by_test_id("employee-toggle-active")).to_have_text("Включить")
    stored = {e["id"]: e for e in c.api("/api/v1/employees")["items"]}[employee_id]
    assert stored["active"] is False and stored["position"] == "Замерщик-стажёр" and stored["group_ids"] == [2]

    # the second operator: web access, role Operator, login and password, through the same form
    page.get_by_test_id("employee-add").click()
    expect(form).to_be_visible()
    form.get_by_test_id("employee-name").fill(OPERATOR_NAME)
    form.get_by_test_id("employee-phone").fill("+7 916 100-00-22")
    form.get_by_test_id("employee-position").fill("Оператор")
    form.get_by_test_id("employee-web-access").check()
    form.get_by_test_id("employee-role").select_option(label="Оператор")
    form.get_by_test_id("employee-login").fill(OPERATOR_LOGIN)
    form.get_by_test_id("employee-password").fill(OPERATOR_PASSWORD)
    shot(page, "06-operator-form")
    form.get_by_test_id("employee-save").click()
    expect(form).to_be_hidden()
    operator_row = page.get_by_test_id("employee-row").filter(has_text=OPERATOR_NAME)
    expect(operator_row).to_contain_text("Оператор")
    expect(operator_row).to_contain_text(OPERATOR_LOGIN)
    journey.ids["new_employee"] = employee_id
    journey.ids["operator_employee"] = int(operator_row.get_attribute("data-employee-id") or 0)
    shot(page, "07-directory-after-edits")


def test_directory_nested_group_with_colour_and_members(journey: Journey) -> None:
    c = journey.coordinator
    page = c.page
    page.get_by_test_id("directory-tab-groups").click()
    expect(page.get_by_test_id("group-row")).to_have_count(3)
    page.get_by_test_id("group-add").click()
    form = page.get_by_test_id("group-form")
    expect(form).to_be_visible()
    form.get_by_test_id("group-name").fill(NEW_GROUP)
    form.get_by_test_id("group-color").fill(NEW_GROUP_COLOR)
    expect(form.get_by_test_id("color-picker").locator(f'[aria-label="{NEW_GROUP_COLOR}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    form.get_by_test_id("group-parent").select_option(label="Монтажники")
    for employee_id in (PETROV, 18, 20):  # Петров is in «Монтажники» already; 18 and 20 are in no group
        by_id(page, "member-option", "data-employee-id", employee_id).check()
    expect(form.get_by_test_id("members-editor")).to_contain_text("Выбрано: 3")
    shot(page, "08-group-form")
    form.get_by_test_id("group-save").click()
    expect(form).to_be_hidden()

    rows = page.get_by_test_id("group-row")
    expect(rows).to_have_count(4)
    new_row = rows.filter(has_text=NEW_GROUP)
    expect(new_row.get_by_test_id("group-member-count")).to_have_text("3 участника")
    # nested: right under its parent, indented, and the parent counts the nested members once
    parent_row = by_id(page, "group-row", "data-group-id", MONTAZHNIKI)
    expect(parent_row.get_by_test_id("group-member-count")).to_have_text("10 участников")
    names = [n.strip() for n in rows.locator(".name").all_inner_texts()]
    assert names.index(NEW_GROUP) == names.index("Монтажники") + 1, names
    assert "--depth: 1" in (new_row.get_attribute("style") or "")
    group_id = int(new_row.get_attribute("data-group-id") or 0)
    stored = {g["id"]: g for g in c.api("/api/v1/groups")["items"]}[group_id]
    assert stored["color"] == NEW_GROUP_COLOR and stored["parent_id"] == MONTAZHNIKI
    assert sorted(stored["member_ids"]) == [PETROV, 18, 20] and stored["member_count"] == 3
    journey.ids["new_group"] = group_id
    shot(page, "09-directory-groups")


def test_compose_recipients_counter_and_invalid_number(journey: Journey, new_client: NewClient) -> None:
    # the second operator logs in now and watches everything that follows
    operator = journey.operator = new_client("operator")
    operator.goto()
    operator.login(OPERATOR_LOGIN, OPERATOR_PASSWORD)
    expect(operator.page.get_by_test_id("user-name")).to_have_text(OPERATOR_NAME)
    mark_page(operator.page)

    c = journey.coordinator
    page = c.page
    page.get_by_test_id("nav-threads").click()
    page.get_by_test_id("new-message-empty").click()
    expect(page.get_by_test_id("new-message-form")).to_be_visible()
    recipients = page.get_by_test_id("recipient-input")
    count = page.get_by_test_id("recipient-count")
    expect(count).to_have_attribute("data-count", "0")

    recipients.fill("Иван")
    page.get_by_test_id("recipient-suggestion").filter(has_text=IVANOV_NAME).click()
    expect(count).to_have_attribute("data-count", "1")
    recipients.fill("Монтаж")
    page.locator('[data-testid="recipient-suggestion"][data-kind="group"]').filter(has_text="Монтажники").click()
    # 8 members + 2 more from the nested group; Иванов is in the group already
    expect(count).to_have_attribute("data-count", "10")
    expect(count).to_have_text("10 получателей")
    recipients.fill("+7 916 100-00-02")  # Петров's number, typed by hand: also in the group
    expect(page.get_by_test_id("recipient-add-number")).to_contain_text("+79161000002")
    recipients.press("Enter")
    expect(count).to_have_attribute("data-count", "10")
    recipients.fill(RAW_NUMBER)
    recipients.press("Enter")
    expect(count).to_have_attribute("data-count", "11")
    chips = page.get_by_test_id("recipient-chip")
    expect(chips).to_have_count(4)
    expect(chips.and_(page.locator('[data-kind="number"]'))).to_have_count(2)
    # after a pick the list folds away: it must not cover the message box, and Tab goes there
    text = page.get_by_test_id("composer-text")
    expect(page.get_by_test_id("recipient-suggestions")).to_have_count(0)
    recipients.press("Tab")
    expect(text).to_be_focused()

    # the counter follows the text as it is typed
    counter = page.get_by_test_id("composer-counter")
    text.click()  # a real click: nothing lies over the message box
    text.press_sequentially("Hello")
    expect(counter).to_have_attribute("data-encoding", "GSM-7")
    expect(counter).to_have_attribute("data-remaining", "155")
    text.fill("")
    text.press_sequentially("Привет")
    expect(counter).to_have_attribute("data-encoding", "UCS-2")
    expect(counter).to_have_attribute("data-remaining", "64")
    expect(counter).to_contain_text("Осталось 64 · 1 SMS")
    text.fill("Ж" * 70)
    expect(counter).to_have_attribute("data-remaining", "0")
    expect(counter).to_have_attribute("data-parts", "1")
    text.press("End")
    text.press_sequentially("!")
    expect(counter).to_have_attribute("data-parts", "2")
    expect(counter).to_have_attribute("data-remaining", str(2 * 67 - 71))
    expect(counter).to_contain_text("Осталось 63 · 2 SMS")
    shot(page, "10-compose-counter")

    # an invalid number: refused with its name, text kept, nothing sent
    recipients.fill("+7 000 000-00-00")
    recipients.press("Enter")
    expect(count).to_have_attribute("data-count", "12")
    text.fill("Проверка: этот текст не должен уйти")
    page.get_by_test_id("composer-send").click()
    error = page.get_by_test_id("composer-error")
    expect(error).to_contain_text(INVALID_NUMBER)
    expect(text).to_have_value("Проверка: этот текст не должен уйти")
    expect(page.get_by_test_id("outbox")).to_have_count(0)
    shot(page, "11-compose-invalid-number")
    assert c.api("/api/v1/threads")["items"] == []
    assert c.api(f"/api/v1/simulator/phones/{RAW_NUMBER}/messages")["items"] == []
    assert c.api("/api/v1/simulator/phones/+79161000001/messages")["items"] == []

    by_id(page, "recipient-chip", "data-value", INVALID_NUMBER).get_by_test_id("recipient-chip-remove").click()
    expect(count).to_have_attribute("data-count", "11")


def test_send_delivers_live(journey: Journey) -> None:
    """The message shows at once; statuses move to Delivered over the socket; «Доставлено N из N»."""
    c = journey.coordinator
    page = c.page
    mark_page(page)
    page.get_by_test_id("composer-text").fill(BROADCAST)
    page.get_by_test_id("composer-send").click()
    outbox = page.get_by_test_id("outbox")
    expect(outbox.get_by_test_id("message-text")).to_have_text(BROADCAST, timeout=2_000)
    expect(page.get_by_test_id("composer-text")).to_have_value("")
    sent = outbox.locator('[data-testid="message"][data-message-id]')
    summary = sent.get_by_test_id("message-summary")
    # receipts take DLR_DELAY_MS: first it is in flight, then it is all delivered
    expect(summary).to_contain_text("ожидают", timeout=2_000)
    broadcast_id = int(sent.get_attribute("data-message-id") or 0)
    summary.click()
    rows = page.get_by_test_id("delivery-row")
    expect(rows).to_have_count(11)
    shot(page, "12-outbox-in-flight")
    expect(summary).to_have_text(re.compile(r"Доставлено 11 из 11\s*$"))
    expect(page.locator('[data-testid="delivery-row"][data-status="Delivered"]')).to_have_count(11)
    expect(by_id(page, "delivery-row", "data-phone", RAW_NUMBER)).to_have_attribute("data-status", "Delivered")
    shot(page, "13-outbox-delivered")
    assert_not_reloaded(page)
    delivered = [
        d
        for e in c.events("delivery.updated")
        if e["message_id"] == broadcast_id
        for d in e["deliveries"]
        if d["status"] == "Delivered"
    ]
    assert len({d["id"] for d in delivered}) == 11, "the Delivered statuses did not come over the WebSocket"
    journey.ids["broadcast"] = broadcast_id

    # the operator's list got the new threads live
    operator = journey.operator
    assert operator is not None
    group_thread = c.thread_id("group", MONTAZHNIKI)
    journey.ids["group_thread"] = group_thread
    expect(thread_item(operator.page, group_thread)).to_contain_text(BROADCAST)
    expect(operator.page.locator('[data-testid="thread-item"][data-kind="contact"]')).to_have_count(1)
    assert_not_reloaded(operator.page)

    # in the group thread: the broadcast, then a follow-up sent from the thread itself
    page.get_by_test_id("nav-threads").click()
    thread_item(page, group_thread).click()
    view = page.get_by_test_id("thread-view")
    expect(view).to_have_attribute("data-thread-id", str(group_thread))
    expect(page.get_by_test_id("thread-title")).to_have_text("Монтажники")
    messages = page.get_by_test_id("message-list").get_by_test_id("message")
    expect(messages).to_have_count(1)
    expect(messages.get_by_test_id("message-summary")).to_contain_text("Доставлено 11 из 11")
    page.get_by_test_id("composer-text").fill(FOLLOW_UP)
    page.get_by_test_id("composer-text").press("Enter")
    expect(messages).to_have_count(2, timeout=1_000)  # the local echo, before the server answers
    expect(messages.last.get_by_test_id("message-text")).to_have_text(FOLLOW_UP)
    follow_up = page.locator(f'[data-testid="message"][data-message-id]:has-text("{FOLLOW_UP}")')
    expect(follow_up.get_by_test_id("message-summary")).to_contain_text("ожидают", timeout=2_000)
    shot(page, "14-group-thread-in-flight")
    expect(follow_up.get_by_test_id("message-summary")).to_have_text(re.compile(r"Доставлено 10 из 10\s*$"))
    expect(messages).to_have_count(2)
    journey.ids["follow_up"] = int(follow_up.get_attribute("data-message-id") or 0)
    shot(page, "15-group-thread-delivered")
    assert_not_reloaded(page)


def test_phone_reply_reaches_both_operators(journey: Journey) -> None:
    c, operator = journey.coordinator, journey.operator
    assert operator is not None
    follow_up, group_thread = journey.ids["follow_up"], journey.ids["group_thread"]
    ivanov_thread = c.thread_id("employee", IVANOV)

    phones = c.context.new_page()
    c.watch(phones)
    phones.goto(f"{journey.server.url}/#/phones")
    # every active employee has a virtual phone: 20 + the operator; the deactivated one has none
    expect(phones.get_by_test_id("phone-item")).to_have_count(21)
    expect(by_id(phones, "phone-item", "data-phone", "+79161000021")).to_have_count(0)
    shot(phones, "16-phones-list")
    by_id(phones, "phone-item", "data-phone", "+79161000001").click()
    screen = by_id(phones, "phone-screen", "data-phone", "+79161000001")
    expect(screen).to_contain_text(IVANOV_NAME)
    received = phones.locator('[data-testid="phone-message"][data-kind="received"]')
    expect(received).to_have_count(2)
    expect(received.first).to_contain_text(BROADCAST)
    expect(received.last).to_contain_text(FOLLOW_UP)
    phones.get_by_test_id("phone-reply-text").fill(IVANOV_REPLY)
    phones.get_by_test_id("phone-reply-send").click()
    expect(phones.locator('[data-testid="phone-message"][data-kind="sent"] p')).to_have_text(IVANOV_REPLY)
    expect(phones.get_by_test_id("phone-reply-text")).to_have_value("")
    shot(phones, "17-phone-replied")
    phones.close()

    # the coordinator's open group thread: the reply under the broadcast it answers, no reload
    page = c.page
    replies = by_id(page, "message-replies", "data-reply-to", follow_up)
    expect(replies.get_by_test_id("message-text")).to_have_text([IVANOV_REPLY])
    expect(replies.get_by_test_id("message-sender")).to_have_text([IVANOV_NAME])
    # read in the open group thread, the reply is read in Ivanov's thread too (one read state)
    expect(thread_item(page, ivanov_thread).get_by_test_id("unread-badge")).to_have_count(0)
    expect(thread_item(page, group_thread).get_by_test_id("unread-badge")).to_have_count(0)  # it is open
    assert_not_reloaded(page)
    shot(page, "18-coordinator-reply-live")

    # the second operator: badges on both threads and the total in the nav, then the reply itself
    op = operator.page
    expect(thread_item(op, ivanov_thread).get_by_test_id("unread-badge")).to_have_text("1")
    expect(thread_item(op, group_thread).get_by_test_id("unread-badge")).to_have_text("1")
    expect(thread_item(op, ivanov_thread)).to_contain_text(IVANOV_REPLY)
    expect(op.get_by_test_id("nav-threads")).to_contain_text("1")  # one reply is one unread, shown in two threads
    shot(op, "19-operator-unread")
    thread_item(op, ivanov_thread).click()
    incoming = op.locator('[data-testid="message"][data-direction="in"]')
    expect(incoming.get_by_test_id("message-text")).to_have_text([IVANOV_REPLY])
    expect(thread_item(op, ivanov_thread).get_by_test_id("unread-badge")).to_have_count(0)
    # read in Ivanov's thread, it is read in the group thread too
    expect(thread_item(op, group_thread).get_by_test_id("unread-badge")).to_have_count(0)
    assert_not_reloaded(op)
    journey.ids["ivanov_thread"] = ivanov_thread


def test_threads_list_order_unread_preview_and_group_replies(journey: Journey) -> None:
    c, operator = journey.coordinator, journey.operator
    assert operator is not None
    group_thread, follow_up = journey.ids["group_thread"], journey.ids["follow_up"]
    inbound(journey.server, "+79161000002", PETROV_REPLY)
    petrov_thread = c.thread_id("employee", PETROV)

    # a group thread shows the broadcasts with each member's reply under the one it answers
    page = c.page
    replies = by_id(page, "message-replies", "data-reply-to", follow_up)
    expect(replies.get_by_test_id("message-text")).to_have_text([IVANOV_REPLY, PETROV_REPLY])
    expect(replies.get_by_test_id("message-sender")).to_have_text([IVANOV_NAME, PETROV_NAME])
    expect(replies.locator(".replies-label")).to_have_text("2 ответа")
    outgoing = page.locator('[data-testid="message-list"] .row > [data-direction="out"]')
    expect(outgoing.get_by_test_id("message-text")).to_have_text([BROADCAST, FOLLOW_UP])
    shot(page, "20-group-thread-replies")

    for client in (c, operator):
        op = client.page
        petrov_badge = thread_item(op, petrov_thread).get_by_test_id("unread-badge")
        if op.get_by_test_id("thread-view").get_attribute("data-thread-id") == str(group_thread):
            expect(petrov_badge).to_have_count(0)  # read in the open group thread: read everywhere (one read state)
        else:
            expect(petrov_badge).to_have_text("1")
        api_threads = client.api("/api/v1/threads")["items"]
        # the server's order (newest first; on a tie the group before its members), each once
        expected = [t["id"] for t in api_threads]
        assert [t["last_activity_at"] for t in api_threads] == sorted(
            (t["last_activity_at"] for t in api_threads), reverse=True
        )
        items = op.get_by_test_id("thread-item")
        expect(items).to_have_count(len(api_threads))
        dom_order = [int(i.get_attribute("data-thread-id") or 0) for i in items.all()]
        assert dom_order == expected, (client.name, dom_order, expected)
        assert dom_order[:2] == [group_thread, petrov_thread]  # Petrov's reply is the newest in both
        kinds = {i.get_attribute("data-kind") for i in items.all()}
        assert kinds == {"employee", "group", "contact"}
        # previews: the last message of each thread; outbound ones marked «Вы:» for the author, else the author's name
        expect(thread_item(op, petrov_thread)).to_contain_text(PETROV_REPLY)
        expect(thread_item(op, group_thread)).to_contain_text(PETROV_REPLY)
        expect(thread_item(op, journey.ids["ivanov_thread"])).to_contain_text(IVANOV_REPLY)
        unknown = op.locator('[data-testid="thread-item"][data-kind="contact"]')
        expect(unknown.get_by_test_id("preview-author")).to_have_text("Вы:" if client is c else "Администратор:")
        expect(unknown).to_contain_text(BROADCAST)
        # the unread badges match the server's per-user counts (the open thread is read)
        open_thread = (
            op.get_by_test_id("thread-view").get_attribute("data-thread-id")
            if op.get_by_test_id("thread-view").count()
            else None
        )
        for thread in api_threads:
            if str(thread["id"]) == open_thread:
                continue
            badge = thread_item(op, thread["id"]).get_by_test_id("unread-badge")
            if thread["unread"]:
                expect(badge).to_have_text(str(thread["unread"]))
            else:
                expect(badge).to_have_count(0)
    expect(thread_item(operator.page, group_thread).get_by_test_id("unread-badge")).to_have_text("1")  # Petrov's
    expect(thread_item(c.page, journey.ids["ivanov_thread"]).get_by_test_id("unread-badge")).to_have_count(0)
    shot(operator.page, "21-operator-thread-list")


def test_offline_catch_up_without_duplicates(journey: Journey) -> None:
    c, operator = journey.coordinator, journey.operator
    assert operator is not None
    group_thread, follow_up = journey.ids["group_thread"], journey.ids["follow_up"]
    sidorov_thread = c.thread_id("employee", SIDOROV)
    op = operator.page
    thread_item(op, sidorov_thread).click()
    expect(op.get_by_test_id("thread-view")).to_have_attribute("data-thread-id", str(sidorov_thread))
    expect(op.get_by_test_id("message-list").get_by_test_id("message")).to_have_count(2)
    incoming = op.locator('[data-testid="message-list"] [data-testid="message"][data-direction="in"]')
    expect(incoming).to_have_count(0)
    indicator = op.get_by_test_id("connection-status")
    expect(indicator).to_have_attribute("data-state", "online")
    last_seen = max(frame["id"] for frame in operator.frames if "id" in frame)
    sockets_before = len(operator.socket_urls)

    operator.context.set_offline(True)
    expect(indicator).to_have_attribute("data-state", "offline")
    shot(op, "22-operator-offline")
    for text in OFFLINE_REPLIES:
        inbound(journey.server, "+79161000003", text)
    # the coordinator, online, has them live: only then is «the operator has none» meaningful
    replies = by_id(c.page, "message-replies", "data-reply-to", follow_up)
    expect(replies.get_by_test_id("message-text")).to_have_text([IVANOV_REPLY, PETROV_REPLY, *OFFLINE_REPLIES])
    expect(incoming).to_have_count(0)
    expect(indicator).to_have_attribute("data-state", "offline")

    operator.context.set_offline(False)
    expect(indicator).to_have_attribute("data-state", "online")
    expect(incoming.get_by_test_id("message-text")).to_have_text(OFFLINE_REPLIES)
    # one more while online: anything replayed twice would have come before it
    inbound(journey.server, "+79161000003", ONLINE_REPLY)
    expect(incoming.get_by_test_id("message-text")).to_have_text([*OFFLINE_REPLIES, ONLINE_REPLY])
    ids = [i.get_attribute("data-message-id") for i in incoming.all()]
    assert len(set(ids)) == 4, ids
    # Sidorov's replies, read in his open thread, are read in the group thread too: Petrov's is left
    expect(thread_item(op, group_thread).get_by_test_id("unread-badge")).to_have_text("1")
    expect(thread_item(op, sidorov_thread).get_by_test_id("unread-badge")).to_have_count(0)
    expect(op.locator(f'[data-testid="thread-item"][data-thread-id="{sidorov_thread}"]')).to_have_count(1)
    # caught up by replay from where it stopped, not by reloading the page
    assert any(url.endswith(f"/ws?last_event_id={last_seen}") for url in operator.socket_urls[sockets_before:]), (
        operator.socket_urls
    )
    assert_not_reloaded(op)
    shot(op, "23-operator-caught-up")
    shot(c.page, "24-coordinator-group-thread")


def test_phone_size_screens(journey: Journey, new_client: NewClient) -> None:
    """The same data on a 390×844 phone: list, thread with back button, menu, directory, phones."""
    mobile = journey.mobile = new_client(
        "mobile", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = mobile.page
    mobile.goto()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the logo, inserted with the form, has loaded
    shot(page, "25-phone-login")
    mobile.login(OPERATOR_LOGIN, OPERATOR_PASSWORD)

    def no_sideways_scroll(name: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: the page scrolls sideways ({width}px)"

    expect(page.get_by_test_id("thread-item").first).to_be_visible()
    no_sideways_scroll("threads")
    shot(page, "26-phone-threads")
    thread_item(page, journey.ids["group_thread"]).click()
    expect(page.get_by_test_id("thread-list")).to_be_hidden()
    expect(page.get_by_test_id("thread-title")).to_have_text("Монтажники")
    expect(page.get_by_test_id("message-replies")).to_be_visible()
    no_sideways_scroll("group thread")
    shot(page, "27-phone-group-thread")
    page.get_by_test_id("thread-back").click()
    expect(page.get_by_test_id("thread-list")).to_be_visible()
    page.get_by_test_id("nav-toggle").click()
    expect(page.get_by_test_id("nav-phones")).to_be_visible()
    shot(page, "28-phone-menu")
    page.get_by_test_id("nav-directory").click()
    expect(page.get_by_test_id("employee-row").first).to_be_visible()
    no_sideways_scroll("directory")
    shot(page, "29-phone-directory")
    page.get_by_test_id("nav-toggle").click()
    page.get_by_test_id("nav-phones").click()
    by_id(page, "phone-item", "data-phone", "+79161000001").click()
    expect(page.locator('[data-testid="phone-message"][data-kind="sent"] p')).to_have_text(IVANOV_REPLY)
    no_sideways_scroll("phone screen")
    shot(page, "30-phone-virtual-phone")


def test_no_errors_along_the_way(journey: Journey) -> None:
    """No dialog and no uncaught error anywhere; console errors only where a step expected one."""
    clients = [journey.coordinator, journey.operator, journey.mobile]
    expected = re.compile(
        r"status of 401"  # /auth/me before logging in, and the wrong password
        r"|status of 422"  # the invalid number
        r"|ERR_INTERNET_DISCONNECTED|WebSocket connection to .* failed"  # the offline step
    )
    for client in clients:
        assert client is not None
        print(client.name, "console errors:", client.console_errors)
        assert client.dialogs == [], (client.name, client.dialogs)
        assert client.page_errors == [], (client.name, client.page_errors)
        assert client.unexpected_console_errors(lambda text: bool(expected.search(text))) == [], client.name
