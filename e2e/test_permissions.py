"""Issue 3's acceptance in real browsers: the admin restricts an Operator to «Монтажники».

The Operator's composer then offers only that group and its members, a REST send to «Дежурные
инженеры» with the Operator's session is refused with 403 and stores nothing, and the Operator's
browser never receives an event about the forbidden group.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from playwright.sync_api import expect

from e2e.conftest import DEMO_PASSWORD, PHONE, Client, NewClient, open_admin_page, shot
from tests.conftest import LiveServer
from tests.helpers import wait_for_sync

pytestmark = pytest.mark.incremental

ALLOWED, FORBIDDEN = "Монтажники", "Дежурные инженеры"


@pytest.fixture(scope="module")
def admin(new_client: NewClient) -> Client:
    client = new_client("admin")
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    return client


@pytest.fixture(scope="module")
def operator(new_client: NewClient) -> Client:
    return new_client("operator")


def group_ids(client: Client) -> dict[str, dict]:
    """The groups the client may see, by name."""
    return {group["name"]: group for group in client.api("/api/v1/groups")["items"]}


def stored_messages(server: LiveServer, text: str) -> int:
    """How many messages with this text the server's database holds."""
    path = server.settings.database_url.split(":///", 1)[1]
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*) FROM messages WHERE text = ?", (text,)).fetchone()[0]


def test_admin_restricts_operator_to_one_group(admin: Client) -> None:
    """Users → operator → not «all» → «Монтажники»; the preview lists exactly its members; save."""
    page = admin.page
    allowed = group_ids(admin)[ALLOWED]
    open_admin_page(page, "users")
    page.get_by_test_id("users-row-operator").click()
    toggle = page.get_by_test_id("perm-all-toggle")
    expect(toggle).to_be_checked()
    toggle.uncheck()
    page.locator(f'[data-testid^="perm-group-"][data-group-name="{ALLOWED}"]').check()
    count = page.get_by_test_id("perm-preview-count")
    expect(count).to_have_attribute("data-pending", "false")
    expect(count).to_have_attribute("data-count", str(allowed["member_count"]))
    previewed = page.get_by_test_id("perm-preview-item").evaluate_all(
        "items => items.map(i => Number(i.dataset.employeeId))"
    )
    assert sorted(previewed) == sorted(allowed["member_ids"])
    page.get_by_test_id("perm-save").click()
    expect(page.get_by_test_id("perm-saved")).to_be_visible()
    shot(page, "permissions-operator-restricted")
    saved = admin.api(f"/api/v1/users/{page.get_by_test_id('user-detail').get_attribute('data-user-id')}/permissions")
    assert saved["all"] is False and saved["groups"] == [allowed["id"]]


def test_operator_composer_offers_only_the_permitted_group(operator: Client, admin: Client) -> None:
    """The Operator's lists and suggestions hold «Монтажники» and its members, nothing else."""
    operator.goto()
    operator.login("operator", DEMO_PASSWORD)
    visible = group_ids(operator)
    assert list(visible) == [ALLOWED]
    members = set(group_ids(admin)[ALLOWED]["member_ids"])
    assert {e["id"] for e in operator.api("/api/v1/employees")["items"]} == members
    page = operator.page
    page.get_by_test_id("new-message").click()
    expect(page.get_by_test_id("recipient-restricted-hint")).to_be_visible()
    recipients = page.get_by_test_id("recipient-input")
    recipients.fill("Дежурн")
    expect(page.get_by_test_id("recipient-suggestion")).to_have_count(0)
    recipients.fill("Монтаж")
    group_suggestions = page.locator('[data-testid="recipient-suggestion"][data-kind="group"]')
    expect(group_suggestions).to_have_count(1)
    expect(group_suggestions).to_contain_text(ALLOWED)
    shot(page, "permissions-operator-composer")


def test_rest_send_to_forbidden_group_is_refused_and_stores_nothing(operator: Client, admin: Client) -> None:
    """403 naming every member of «Дежурные инженеры»; no message row."""
    forbidden = group_ids(admin)[FORBIDDEN]
    text = f"Запрещённая рассылка {uuid.uuid4().hex[:8]}"
    body = {"text": text, "recipients": {"groups": [forbidden["id"]]}}
    response = operator.page.request.post(f"{operator.server.url}/api/v1/messages", data=body)
    assert response.status == 403, response.text()
    refusal = response.json()
    assert refusal["code"] == "forbidden_recipients"
    assert {r["employee_id"] for r in refusal["extra"]["forbidden"]} == set(forbidden["member_ids"])
    assert stored_messages(operator.server, text) == 0


def test_operator_never_receives_events_about_the_forbidden_group(operator: Client, admin: Client) -> None:
    """The admin sends to both groups; only the permitted send reaches the Operator's socket and screen."""
    groups = group_ids(admin)
    secret = f"Только дежурным {uuid.uuid4().hex[:8]}"
    public = f"Монтажникам {uuid.uuid4().hex[:8]}"
    hidden = _send_as(admin, secret, groups[FORBIDDEN]["id"])
    _send_as(admin, public, groups[ALLOWED]["id"])
    operator.page.get_by_test_id("nav-threads").click()
    expect(operator.page.get_by_test_id("thread-list")).to_contain_text(public)
    # Events arrive in id order: once the later, permitted send is here, the earlier one would have been too.
    wait_for_sync(lambda: any(public in str(frame) for frame in operator.frames), what="the permitted send's event")
    forbidden_members = set(groups[FORBIDDEN]["member_ids"])
    for frame in operator.frames:
        assert secret not in str(frame)
        assert frame.get("message_id") != hidden
        assert not any(d.get("employee_id") in forbidden_members for d in frame.get("deliveries", []))
    expect(operator.page.get_by_test_id("thread-list")).not_to_contain_text(FORBIDDEN)
    shot(operator.page, "permissions-operator-threads")


def test_operator_on_a_phone(new_client: NewClient) -> None:
    """The restricted composer fits a phone screen."""
    mobile = new_client("operator-phone", viewport=PHONE)
    mobile.goto()
    mobile.login("operator", DEMO_PASSWORD)
    mobile.goto("#/new")
    expect(mobile.page.get_by_test_id("recipient-restricted-hint")).to_be_visible()
    shot(mobile.page, "permissions-operator-phone")


def _send_as(client: Client, text: str, group_id: int) -> int:
    """Send through the API with the client's session; returns the message id."""
    response = client.page.request.post(
        f"{client.server.url}/api/v1/messages", data={"text": text, "recipients": {"groups": [group_id]}}
    )
    assert response.ok, response.text()
    return response.json()["id"]
