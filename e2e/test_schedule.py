"""Scheduling from the composer: «Отправить позже» shows «Запланировано» in the thread; «Отменить» cancels it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, PHONE, NewClient, shot
from tests.conftest import API, LiveServer

AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
TEXT = "Плановые работы в 22:00"


# What this feature adds to the page; the rest of the page is other tests' business.
AXE_SCAN = """async () => {
  const include = [['[data-testid=scheduled-note]'], ['[data-testid=schedule-options]']];
  const result = await axe.run({ include });
  return result.violations.map((v) => [v.impact, v.id, v.nodes.map((n) => n.target.join(' ')).join(' | ')]);
}"""


def _serious_axe_violations(page: Page) -> list[str]:
    """Critical and serious axe-core findings in the composer and the scheduled bubble."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_SCAN)
    return [f"{impact} {rule}: {nodes}" for impact, rule, nodes in found if impact in ("critical", "serious")]


def test_schedule_from_the_composer_then_cancel(server: LiveServer, new_client: NewClient) -> None:
    client = new_client("schedule", bypass_csp=True)  # axe-core is injected as a script
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    first = page.request.post(f"{server.url}{API}/messages", data={"text": "Начало", "recipients": {"employees": [2]}})
    assert first.ok, first.text()
    thread_id = client.thread_id("employee", 2)
    client.goto(f"#/threads/{thread_id}")

    page.get_by_test_id("composer-text").fill(TEXT)
    page.get_by_test_id("schedule-toggle").click()
    expect(page.get_by_test_id("schedule-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("schedule-options")).to_contain_text("Europe/Moscow")
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    page.get_by_test_id("schedule-at").fill(f"{day}T09:30")
    page.get_by_test_id("schedule-validity").select_option("60")
    expect(page.get_by_test_id("composer-send")).to_have_text("Запланировать")
    page.get_by_test_id("composer-send").click()

    bubble = page.locator('[data-testid="message"]', has_text=TEXT)
    note = bubble.get_by_test_id("scheduled-note")
    expect(note).to_have_attribute("data-scheduled", "true")
    expect(note).to_contain_text("Запланировано")
    expect(note).to_contain_text("09:30")
    expect(note).to_contain_text("Действует до")
    assert _serious_axe_violations(page) == []
    shot(page, "60-scheduled")
    page.set_viewport_size(PHONE)
    expect(note.get_by_test_id("scheduled-cancel")).to_be_visible()
    shot(page, "61-scheduled-phone")

    note.get_by_test_id("scheduled-cancel").click()
    expect(note).to_have_attribute("data-scheduled", "false")
    expect(note.get_by_test_id("scheduled-cancel")).to_have_count(0)
    expect(note.get_by_test_id("scheduled-cancelled")).to_have_text("Отправка отменена")
    shot(page, "62-scheduled-cancelled")
    message_id = int(bubble.get_attribute("data-message-id") or 0)
    assert client.api(f"{API}/messages/{message_id}")["summary"]["counts"] == {"Cancelled": 1}
    assert [e for e in client.events("delivery.updated") if e["message_id"] == message_id]
    assert client.page_errors == [] and client.dialogs == []
