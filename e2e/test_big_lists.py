"""Big lists stay fast: a 2,000-message thread, a 10,000-recipient broadcast, a thread list of 10,000 (docs/frontend.md).

The data is bulk-written into the module's SQLite file before the server starts; the browser must keep the DOM
to a screenful of rows while it pages through them.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from communicator.db.migrate import upgrade
from communicator.settings import load_settings
from e2e.conftest import DEMO_PASSWORD, PHONE, Client, NewClient, shot
from tests.conftest import LiveServer, free_port, seed

MESSAGES = 2_000
MEMBERS = 10_000
# Far fewer than the rows behind them: what a virtual list keeps in the DOM (a screenful plus its buffer).
DOM_BOUND = 80
LONG_THREAD: dict[str, int] = {}


def _bulk(path: str) -> None:
    """A 2,000-message thread for the first demo employee; a group of 10,000 employees."""
    db = sqlite3.connect(path)
    with db:
        account_id, employee_id = db.execute("SELECT account_id, id FROM employees ORDER BY id LIMIT 1").fetchone()
        user_id = db.execute("SELECT id FROM users WHERE login = 'admin'").fetchone()[0]
        db.execute(
            "INSERT INTO threads (account_id, kind, ref_id) VALUES (?, 'employee', ?)", (account_id, employee_id)
        )
        thread_id = db.execute(
            "SELECT id FROM threads WHERE kind = 'employee' AND ref_id = ?", (employee_id,)
        ).fetchone()[0]
        LONG_THREAD["id"] = thread_id
        start = datetime(2026, 1, 1, tzinfo=UTC)
        rows = [
            (
                n + 1,
                account_id,
                f"Сообщение {n:04}",
                (start + timedelta(minutes=n)).strftime("%Y-%m-%d %H:%M:%S"),
                user_id,
            )
            for n in range(MESSAGES)
        ]
        db.executemany(
            "INSERT INTO messages (id, account_id, direction, text, parts, encoding, created_at, author_user_id, folded)"
            " VALUES (?, ?, 'out', ?, 1, 'gsm7', ?, ?, 0)",
            rows,
        )
        db.executemany(
            "INSERT INTO thread_messages (thread_id, message_id) VALUES (?, ?)", [(thread_id, r[0]) for r in rows]
        )
        db.execute(
            "UPDATE threads SET last_message_id = ?, last_activity_at = ? WHERE id = ?",
            (MESSAGES, rows[-1][3], thread_id),
        )
        db.executemany(
            "INSERT INTO employees (account_id, name, phone, operator, active) VALUES (?, ?, ?, 'MTS', 1)",
            [(account_id, f"Монтажник {i:05}", f"+7926{5_000_000 + i:07}") for i in range(MEMBERS)],
        )
        group_id = db.execute(
            "INSERT INTO groups (account_id, name, color) VALUES (?, 'Все 10000', '#555555') RETURNING id",
            (account_id,),
        ).fetchone()[0]
        db.execute(
            "INSERT INTO group_members (group_id, employee_id) SELECT ?, id FROM employees WHERE phone LIKE '+7926%'",
            (group_id,),
        )
    db.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a SQLite file holding the big data; no gateway (10,000 sends need not be simulated)."""
    path = tmp_path_factory.mktemp("e2e-big") / "big.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(seed(url))
    _bulk(str(path))
    settings = load_settings({}, database_url=url, gateway_enabled=False, smtp_port=free_port())
    live = LiveServer(settings).start()
    yield live
    live.stop()


def _admin(new_client: NewClient, name: str, **options: object) -> Client:
    client = new_client(name, **options)
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    return client


def _count(page: Page, selector: str) -> int:
    return int(page.locator(selector).count())


def _scroll_messages_to_top(page: Page) -> None:
    page.get_by_test_id("message-list").evaluate("list => { list.scrollTop = 0; }")


def test_a_long_thread_loads_older_pages_keeping_the_dom_small_and_the_place(
    server: LiveServer, new_client: NewClient
) -> None:
    client = _admin(new_client, "long-thread")
    page = client.page
    page.goto(f"{server.url}/#/threads/{LONG_THREAD['id']}")
    expect(page.get_by_test_id("message-list").get_by_text(f"Сообщение {MESSAGES - 1:04}")).to_be_visible()
    shot(page, "b1-long-thread-bottom")
    oldest_seen = MESSAGES
    for _ in range(8):  # each turn: the top comes into view, an older page of 50 is prepended
        with page.expect_response(lambda r: "/messages?" in r.url and "before_id=" in r.url):
            _scroll_messages_to_top(page)
        # the position is kept: after the prepend the list does not stand at its very top
        page.wait_for_function("() => document.querySelector('[data-testid=message-list]').scrollTop > 300")
        texts = page.get_by_test_id("message").all_inner_texts()
        numbers = [int(t.split("Сообщение ")[1][:4]) for t in texts if "Сообщение " in t]
        assert numbers and min(numbers) < oldest_seen
        oldest_seen = min(numbers)
        assert _count(page, "[data-testid=message]") <= DOM_BOUND
    # 9 pages of 50 are loaded (450 messages); the DOM holds a screenful of them
    assert oldest_seen <= MESSAGES - 400
    shot(page, "b2-long-thread-older")


def test_a_10000_recipient_broadcast_shows_bounded_rows(server: LiveServer, new_client: NewClient) -> None:
    client = _admin(new_client, "broadcast")
    page = client.page
    group = next(g for g in client.api("/api/v1/groups")["items"] if g["name"] == "Все 10000")
    response = page.request.post(
        f"{server.url}/api/v1/messages",
        data={"text": "Общий сбор в 9:00", "recipients": {"groups": [group["id"]]}, "confirmed": True},
        headers={"Origin": server.url},
        timeout=120_000,
    )
    assert response.ok, response.text()
    sent = response.json()
    assert sent["summary"]["total"] == MEMBERS
    threads = client.api("/api/v1/threads?limit=5")
    assert threads["items"][0]["kind"] == "group" and threads["next_cursor"]
    page.goto(f"{server.url}/#/threads/{threads['items'][0]['id']}")
    bubble = page.locator(f'[data-message-id="{sent["id"]}"]')
    bubble.get_by_test_id("message-summary").click()
    expect(bubble.get_by_test_id("delivery-not-shown")).to_be_visible()
    assert _count(page, "[data-testid=delivery-row]") <= 100
    bubble.get_by_test_id("recipients-open").click()
    rows = page.get_by_test_id("drawer-delivery")
    expect(rows.first).to_be_visible()
    drawer_list = page.get_by_test_id("drawer-deliveries")
    for _ in range(2):  # to the end of the rows loaded: the next page of 500 comes, twice
        with page.expect_response(lambda r: "after_id=" in r.url and "after_id=0" not in r.url):
            drawer_list.evaluate("list => { list.scrollTop = list.scrollHeight; }")
        assert _count(page, "[data-testid=drawer-delivery]") <= DOM_BOUND
    # rows past the first 1,000 are on screen now
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=drawer-delivery]')]"
        ".some(row => Number(row.dataset.phone.slice(-4)) >= 1000)"
    )
    shot(page, "b3-broadcast-drawer")
    # the thread list: 10,001 threads share the broadcast; a screenful of rows is in the DOM
    assert _count(page, "[data-testid=thread-item]") <= DOM_BOUND


def test_the_thread_list_pages_and_moves_by_keyboard(server: LiveServer, new_client: NewClient) -> None:
    client = _admin(new_client, "keyboard")
    page = client.page
    expect(page.get_by_test_id("thread-item").first).to_be_visible()
    page.get_by_test_id("thread-search").focus()
    page.keyboard.press("ArrowDown")
    first = page.get_by_test_id("thread-item").first
    expect(first).to_be_focused()
    first_id = first.get_attribute("data-thread-id")
    for _ in range(12):
        page.keyboard.press("ArrowDown")
    focused = page.locator("a[data-thread-id]:focus")
    expect(focused).to_have_count(1)
    assert focused.get_attribute("data-thread-id") != first_id
    page.keyboard.press("Home")
    expect(page.locator(f'a[data-thread-id="{first_id}"]')).to_be_focused()
    # scrolling to the end loads the next pages by cursor; the DOM stays bounded
    with page.expect_response(lambda r: "/api/v1/threads?cursor=" in r.url):
        page.get_by_test_id("thread-list").evaluate("list => { list.scrollTop = list.scrollHeight; }")
    assert _count(page, "[data-testid=thread-item]") <= DOM_BOUND
    shot(page, "b4-thread-list-desktop")
    phone = _admin(new_client, "phone", viewport=PHONE)
    expect(phone.page.get_by_test_id("thread-item").first).to_be_visible()
    assert _count(phone.page, "[data-testid=thread-item]") <= DOM_BOUND
    shot(phone.page, "b5-thread-list-phone")
