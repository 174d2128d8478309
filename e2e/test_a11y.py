"""Issue 11: accessibility and the coordinator's inbox in use, on one server.

The steps run in order and share state: keyboard (focus after login, skip link, arrow keys, Ctrl+K, a drawer
that traps and returns focus), reply in context, «↓ N новых», numbers by the handful and search by number,
deactivation that asks, «Нет доступа» for an Operator (an admin's browser and an Operator's, restricted to
«Монтажники» through the API, in separate contexts); last, axe-core over every route of the SPA at 1280×800 and
390×844, logged in as the demo admin (who also runs the platform): 0 critical and 0 serious violations and one h1
per page (a failure prints each rule id with a few of its targets).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, DESKTOP, PHONE, Client, NewClient, inbound, shot
from tests.conftest import API, LiveServer

pytestmark = [pytest.mark.incremental, pytest.mark.heavy]  # heavy: started first (docs/testing.md)

FITTERS, ENGINEERS = "Монтажники", "Дежурные инженеры"
IVANOV, PETROV = "+79161000001", "+79161000002"
AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("critical", "serious")


def axe_findings(page: Page) -> list[str]:
    """Critical and serious violations on the page as it is now, one line per rule."""
    # a panel sliding in is half-transparent until its animation ends
    page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:4])}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture(scope="module")
def data(server: LiveServer) -> dict[str, int]:
    """A broadcast to «Монтажники» and enough history to scroll; the Operator restricted to that group."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post(f"{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}).status_code == 200
        groups = {g["name"]: g["id"] for g in http.get(f"{API}/groups").json()["items"]}
        for n in range(6):
            body = {"text": f"Смена {n}: сбор у склада в 8:{n:02d}", "recipients": {"groups": [groups[FITTERS]]}}
            assert http.post(f"{API}/messages", json=body).status_code == 201
        body = {"text": "Инженерам: проверка связи", "recipients": {"groups": [groups[ENGINEERS]]}}
        assert http.post(f"{API}/messages", json=body).status_code == 201
        operator = next(u for u in http.get(f"{API}/users").json()["items"] if u["login"] == "operator")
        permits = {"all": False, "groups": [groups[FITTERS]], "employees": [], "tags": []}
        assert http.put(f"{API}/users/{operator['id']}/permissions", json=permits).status_code == 200
    inbound(server, IVANOV, "Буду к восьми")
    return groups


@pytest.fixture(scope="module")
def admin(new_client: NewClient, data: dict[str, int]) -> Client:
    client = new_client("admin")
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    return client


def open_thread(client: Client, kind: str, ref_id: int) -> int:
    thread_id = client.thread_id(kind, ref_id)
    client.page.locator(f'[data-testid="thread-item"][data-thread-id="{thread_id}"]').click()
    expect(client.page.get_by_test_id("thread-view")).to_have_attribute("data-thread-id", str(thread_id))
    return thread_id


def test_keyboard_focus_after_login_skip_link_and_arrow_keys(admin: Client) -> None:
    page = admin.page
    expect(page.get_by_test_id("thread-search")).to_be_focused()  # placed after login
    page.keyboard.press("ArrowDown")
    first, second = page.get_by_test_id("thread-item").nth(0), page.get_by_test_id("thread-item").nth(1)
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(second).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(first).to_be_focused()
    outline = first.evaluate("(el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert outline.startswith("solid") and outline != "solid 0px", outline  # a visible focus ring
    shot(page, "kbd-1280-ru-list-focus")
    page.locator("header .brand").focus()
    page.keyboard.press("Shift+Tab")  # the skip link comes before everything else
    skip = page.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    shot(page, "kbd-1280-ru-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_reply_in_context_from_a_group_thread(admin: Client, data: dict[str, int]) -> None:
    page = admin.page
    open_thread(admin, "group", data[FITTERS])
    to = page.get_by_test_id("composer-to")
    expect(to).to_have_text("Кому: Монтажники · 8 чел. · 8 SMS")
    page.get_by_test_id("composer-text").fill("x" * 170)  # two parts
    expect(to).to_have_attribute("data-sms", "16")
    page.get_by_test_id("composer-text").fill("")
    reply = page.locator('[data-testid="message"][data-direction="in"]').filter(has_text="Буду к восьми")
    expect(reply.get_by_test_id("reply-personal")).to_contain_text("Ответить лично")
    shot(page, "reply-1280-ru-group")
    reply.get_by_test_id("reply-personal").click()
    ivanov = admin.thread_id("employee", 1)
    expect(page.get_by_test_id("thread-view")).to_have_attribute("data-thread-id", str(ivanov))
    composer = page.get_by_test_id("composer-text")
    expect(composer).to_have_value("«Буду к восьми» — ")
    expect(composer).to_be_focused()
    expect(page.get_by_test_id("composer-to")).to_have_text("Кому: Иванов Сергей Петрович · 1 чел. · 1 SMS")
    shot(page, "reply-1280-ru-personal")
    page.go_back()
    link = reply.get_by_test_id("message-sender")
    expect(link).to_have_attribute("href", f"#/threads/{ivanov}")
    link.click()
    expect(page.get_by_test_id("thread-title")).to_have_text("Иванов Сергей Петрович")


def test_never_miss_a_message_while_scrolled_up(admin: Client, data: dict[str, int], server: LiveServer) -> None:
    page = admin.page
    open_thread(admin, "group", data[FITTERS])
    expect(page.get_by_test_id("composer-text")).to_be_focused()  # opening a thread focuses its composer
    messages = page.get_by_test_id("message-list")
    expect(messages.get_by_test_id("message").first).to_be_visible()
    messages.evaluate("(el) => el.scrollTo(0, 0)")
    page.mouse.wheel(0, -200)  # a real scroll event: the list knows it is no longer at the bottom
    expect(page.get_by_test_id("new-messages-jump")).to_have_count(0)
    for text in ("Я на месте", "Ключи у кого?", "Жду у ворот"):
        inbound(server, PETROV, text)
    jump = page.get_by_test_id("new-messages-jump")
    expect(jump).to_have_text("↓ 3 новых")
    # The divider stands before the first new message, off-screen: the virtual list renders it once it is near.
    shot(page, "newer-1280-ru-scrolled-up")
    jump.click()
    expect(jump).to_have_count(0)
    expect(page.locator('[data-testid="message"]').filter(has_text="Я на месте")).to_be_in_viewport()
    expect(page.get_by_test_id("unread-divider")).to_be_visible()


def test_numbers_by_the_handful_and_search_by_number(admin: Client) -> None:
    page = admin.page
    page.get_by_test_id("new-message").click()
    box = page.get_by_test_id("recipient-input")
    expect(box).to_be_focused()  # «New message» starts in the recipient box
    expect(box).to_have_attribute("role", "combobox")
    pasted = "+7 916 100-00-01, 8 916 555 12 34; 79165551234\r\n9260001122\tабвгд\r\n12345"
    box.evaluate(
        """(el, text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        pasted,
    )
    chips = page.get_by_test_id("recipient-chip")
    expect(chips).to_have_count(3)
    assert [chips.nth(i).get_attribute("data-value") for i in range(3)] == ["1", "+79165551234", "+79260001122"]
    expect(page.get_by_test_id("paste-invalid")).to_have_text("Не похоже на номер: абвгд, 12345")
    expect(page.get_by_test_id("recipient-count")).to_have_attribute("data-count", "3")
    expect(page.get_by_test_id("composer-to")).to_contain_text("3 чел.")
    shot(page, "paste-1280-ru")
    page.get_by_test_id("nav-threads").click()
    search = page.get_by_test_id("thread-search")
    for query in ("8 (916) 100-00-02", "+7 916 1000002", "9161000002"):
        search.fill(query)
        expect(page.get_by_test_id("thread-item")).to_have_count(1)
        expect(page.get_by_test_id("thread-item")).to_contain_text("Петров Алексей Викторович")
    shot(page, "search-1280-ru-by-number")
    search.fill("")


def test_quick_switcher_and_drawer_focus(admin: Client) -> None:
    page = admin.page
    page.keyboard.press("Control+k")
    field = page.get_by_test_id("quick-switcher-input")
    expect(field).to_be_focused()
    field.fill("8 916 100 00 02")
    expect(page.get_by_test_id("quick-switcher-item")).to_have_count(1)
    shot(page, "kbd-1280-ru-switcher")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("quick-switcher")).to_have_count(0)
    expect(page.get_by_test_id("thread-title")).to_have_text("Петров Алексей Викторович")
    expect(page.get_by_test_id("composer-text")).to_be_focused()

    page.get_by_test_id("nav-directory").click()
    add = page.get_by_test_id("employee-add")
    add.focus()
    page.keyboard.press("Enter")
    form = page.get_by_test_id("employee-form")
    expect(page.get_by_test_id("employee-name")).to_be_focused()  # the panel takes focus
    for _ in range(40):  # Tab never leaves the panel
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.closest('[role=dialog]') !== null")
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(add).to_be_focused()  # and gives it back


def test_administration_menu_by_keyboard_and_pointer(admin: Client) -> None:
    """«Администрирование»: arrows walk its pages, Escape gives focus back, a click outside or Tab away closes it."""
    page = admin.page
    page.evaluate("location.hash = '#/audit'")
    expect(page.locator("main h1")).to_have_text("Журнал изменений")
    button, users = page.get_by_test_id("nav-admin"), page.get_by_test_id("nav-users")
    expect(users).to_be_hidden()
    button.focus()
    page.keyboard.press("ArrowDown")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(users).to_be_focused()
    page.keyboard.press("ArrowUp")  # wraps to the last page
    expect(page.get_by_test_id("nav-gateway")).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id("nav-tokens")).to_be_focused()
    shot(page, "kbd-1280-ru-admin-menu")
    page.keyboard.press("Escape")
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(users).to_be_hidden()

    button.click()
    expect(users).to_be_visible()
    page.mouse.click(1200, 400)  # outside: the empty margin beside the journal
    expect(users).to_be_hidden()
    button.click()
    page.get_by_test_id("nav-gateway").focus()
    page.keyboard.press("Tab")  # past the last page: focus leaves, the menu closes behind it
    expect(users).to_be_hidden()

    page.get_by_test_id("nav-threads").click()
    expect(button).not_to_have_attribute("aria-current", "true")
    button.click()
    page.get_by_test_id("nav-audit").click()
    expect(page.locator("main h1")).to_have_text("Журнал изменений")
    expect(users).to_be_hidden()  # a chosen page closes the menu
    expect(button).to_have_attribute("aria-current", "true")  # and the button reads as current
    expect(page.get_by_test_id("nav-audit")).to_have_attribute("aria-current", "page")
    page.get_by_test_id("nav-directory").click()  # where the next step starts


def test_deactivating_asks_first(admin: Client) -> None:
    page = admin.page
    row = page.locator('[data-testid="employee-row"][data-employee-id="20"]')
    row.get_by_test_id("employee-toggle-active").click()
    expect(row.get_by_test_id("employee-deactivate-confirm-box")).to_contain_text("Отключить Орлова Татьяна Сергеевна?")
    expect(row.get_by_test_id("employee-deactivate-cancel")).to_be_focused()
    shot(page, "deactivate-1280-ru-confirm")
    page.keyboard.press("Enter")  # «Отмена»: nothing changes
    expect(row.get_by_test_id("employee-toggle-active")).to_be_focused()
    assert next(e for e in admin.api(f"{API}/employees")["items"] if e["id"] == 20)["active"] is True
    row.get_by_test_id("employee-toggle-active").click()
    row.get_by_test_id("employee-deactivate-confirm").click()
    expect(row.get_by_test_id("employee-toggle-active")).to_have_text("Включить")
    assert next(e for e in admin.api(f"{API}/employees")["items"] if e["id"] == 20)["active"] is False


def test_operator_outside_their_reach_reads_no_access(
    new_client: NewClient, admin: Client, data: dict[str, int], server: LiveServer
) -> None:
    engineers = admin.thread_id("group", data[ENGINEERS])
    operator = new_client("operator", PHONE)
    page = operator.page
    operator.goto(f"#/threads/{engineers}")
    operator.login("operator", DEMO_PASSWORD)
    expect(page.get_by_test_id("message-list")).to_contain_text("Нет доступа")
    expect(page.get_by_test_id("message-list")).not_to_contain_text("удалили")
    shot(page, "noaccess-390-ru")
    response = page.request.get(f"{server.url}{API}/threads/{engineers}/messages")
    assert (response.status, response.json()["code"]) == (403, "forbidden")
    assert page.request.get(f"{server.url}{API}/threads/424242/messages").status == 404
    assert operator.page_errors == [] and admin.page_errors == []


def routes(client: Client, data: dict[str, int]) -> list[str]:
    """Every route of state/route.ts, with an open item where a route has one."""
    users = client.api(f"{API}/users")["items"]
    return [
        "#/threads",
        f"#/threads/{client.thread_id('group', data[FITTERS])}",
        "#/new",
        "#/directory",
        "#/directory/groups",
        "#/phones",
        f"#/phones/{IVANOV}",
        "#/users",
        f"#/users/{users[0]['id']}",
        "#/tokens",
        "#/audit",
        "#/exports",
        "#/accounts",
        "#/inbox",
        "#/templates",
        "#/search",
    ]


def scan(page: Page, route: str) -> list[str]:
    """Open a route and scan it; a page without exactly one h1 counts as a finding too."""
    page.evaluate(f"location.hash = {route!r}")
    expect(page.locator("main h1").first).to_be_attached()
    page.locator("[data-testid=spinner]").first.wait_for(state="detached")
    shown = page.evaluate("[...document.querySelectorAll('main h1')].filter((h) => h.getClientRects().length).length")
    missing = [] if shown == 1 else [f"{shown} h1 shown, not one"]
    return missing + axe_findings(page)


def test_no_serious_axe_violations_on_any_route(data: dict[str, int], new_client: NewClient) -> None:
    """One logged-in page, every route at 1280×800, then again at 390×844."""
    # The page's CSP forbids the inline script add_script_tag injects; bypass it for the scan only.
    client = new_client("axe", DESKTOP, bypass_csp=True)
    page = client.page
    client.goto()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    failures = {"1280 #/login": axe_findings(page)}
    page.set_viewport_size(PHONE)
    failures["390 #/login"] = axe_findings(page)
    page.set_viewport_size(DESKTOP)
    client.login("admin", DEMO_PASSWORD)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        width = viewport["width"]
        for route in routes(client, data):
            failures[f"{width} {route}"] = scan(page, route)
        shot(page, f"a11y-{width}-audit")
        if width < 1100:
            page.get_by_test_id("nav-toggle").click()
        page.get_by_test_id("nav-admin").click()  # the administration menu, open over the page
        failures[f"{width} #/audit (administration menu)"] = axe_findings(page)
        page.keyboard.press("Escape")
    # a side panel open over a page (the drawer is the same component at both widths)
    page.evaluate("location.hash = '#/directory'")
    page.get_by_test_id("employee-add").click()
    expect(page.get_by_test_id("employee-form")).to_be_visible()
    failures["390 #/directory (employee form)"] = axe_findings(page)
    page.keyboard.press("Escape")
    page.get_by_test_id("import-open").click()  # the directory import panel, with a report in it
    page.get_by_test_id("import-file").set_input_files(
        files=[{"name": "d.csv", "mimeType": "text/csv", "buffer": "Телефон;ФИО\r\n8-916-12;Икс\r\n".encode()}]
    )
    expect(page.get_by_test_id("import-errors")).to_be_visible()
    failures["390 #/directory (import panel)"] = axe_findings(page)
    bad = {route: found for route, found in failures.items() if found}
    assert not bad, "\n".join(f"{route}: {line}" for route, found in bad.items() for line in found)
