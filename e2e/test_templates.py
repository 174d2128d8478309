"""Templates: an Administrator writes one (a bad one is refused with its line), picks it in the composer, fills its
variables, sees the server's rendering and SMS parts, inserts and sends it; the thread shows the rendered text."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, PHONE, NewClient, open_admin_page, shot
from tests.conftest import API

AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
IVANOV_NAME = "Иванов Сергей Петрович"
BODY = "Замер: {{ address }}, заказ #{{ order }}"
SENT = "Замер: ул. Ленина, 5, заказ #1234"
AXE_SCAN = """async () => {
  const result = await axe.run({ include: [['[data-testid=template-picker]']] });
  return result.violations.map((v) => [v.impact, v.id, v.nodes.map((n) => n.target.join(' ')).join(' | ')]);
}"""


def _serious_axe_violations(page: Page) -> list[str]:
    """Critical and serious axe-core findings in the template picker."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_SCAN)
    return [f"{impact} {rule}: {nodes}" for impact, rule, nodes in found if impact in ("critical", "serious")]


def test_write_a_template_then_send_it_from_the_composer(new_client: NewClient) -> None:
    client = new_client("templates", bypass_csp=True)  # axe-core is injected as a script
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)

    open_admin_page(page, "templates")
    expect(page.get_by_role("heading", level=1)).to_have_text("Шаблоны сообщений")
    page.get_by_test_id("templates-create").click()
    page.get_by_test_id("template-name").fill("Замер")
    page.get_by_test_id("template-body").fill("Замер\n{% for %}")
    expect(page.get_by_test_id("template-error")).to_contain_text("строка 2")
    page.get_by_test_id("template-save").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("строка 2")  # refused; nothing stored
    assert client.api(f"{API}/templates")["items"] == []
    page.get_by_test_id("template-body").fill(BODY)
    expect(page.get_by_test_id("template-text")).to_have_text("Замер: , заказ #")
    expect(page.get_by_test_id("template-missing")).to_contain_text("address, order")
    shot(page, "templates-10-form")
    page.get_by_test_id("template-save").click()
    row = page.get_by_test_id("template-row").filter(has_text="Замер")
    expect(row).to_contain_text("address")
    expect(row).to_contain_text("order")
    assert [t["name"] for t in client.api(f"{API}/templates")["items"]] == ["Замер"]
    shot(page, "templates-11-list")

    client.goto("#/new")
    recipients = page.get_by_test_id("recipient-input")
    recipients.fill("Иван")
    page.get_by_test_id("recipient-suggestion").filter(has_text=IVANOV_NAME).click()
    page.get_by_test_id("composer-templates").click()
    page.get_by_test_id("template-select").select_option(label="Замер")
    page.get_by_test_id("template-var-address").fill("ул. Ленина, 5")
    page.get_by_test_id("template-var-order").fill("1234")
    expect(page.get_by_test_id("template-text")).to_have_text(SENT)
    parts = page.get_by_test_id("template-parts")
    expect(parts).to_have_attribute("data-parts", "1")
    expect(parts).to_have_attribute("data-encoding", "UCS-2")
    expect(page.get_by_test_id("template-missing")).to_have_count(0)
    assert _serious_axe_violations(page) == []
    shot(page, "templates-20-picker")
    page.set_viewport_size(PHONE)
    expect(page.get_by_test_id("template-insert")).to_be_visible()
    shot(page, "templates-21-picker-phone")

    page.get_by_test_id("template-var-order").press("Enter")  # Enter in a field inserts; it does not send
    expect(page.get_by_test_id("composer-text")).to_have_value(SENT)
    expect(page.get_by_test_id("template-picker")).to_have_count(0)
    expect(page.get_by_test_id("composer-counter")).to_have_attribute("data-parts", "1")
    page.get_by_test_id("composer-send").click()
    page.get_by_test_id("open-thread").click()
    expect(page.locator('[data-testid="message"]', has_text=SENT)).to_be_visible()
    shot(page, "templates-22-sent-phone")
    assert client.page_errors == [] and client.dialogs == []
