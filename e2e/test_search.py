"""The manager's search (issue 8): «авари» finds «Авария» highlighted; the hit opens in its thread, scrolled to it.

The hit sits below a full page of newer messages in the same group thread, so opening it must load older pages
until it is there. Screenshots at 1280×800 and 390×844 land in test-artifacts/e2e/.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from e2e.conftest import DEMO_PASSWORD, PHONE, NewClient, shot
from tests.conftest import API, LiveServer

FITTERS = "Монтажники"
NEWER = 60  # more than the thread's first page (50)


@pytest.fixture(scope="module")
def hit_id(server: LiveServer) -> int:
    """The alarm to «Монтажники», then NEWER routine messages to the same group."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post(f"{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}).status_code == 200
        groups = {g["name"]: g["id"] for g in http.get(f"{API}/groups").json()["items"]}
        body = {"text": "Авария на подстанции №3, выезжайте", "recipients": {"groups": [groups[FITTERS]]}}
        alarm = http.post(f"{API}/messages", json=body)
        assert alarm.status_code == 201
        for n in range(NEWER):
            body = {"text": f"Плановый обход {n}", "recipients": {"groups": [groups[FITTERS]]}}
            assert http.post(f"{API}/messages", json=body).status_code == 201
        return int(alarm.json()["id"])


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_search_highlights_the_hit_and_opens_it_in_its_thread(
    new_client: NewClient, hit_id: int, viewport: str
) -> None:
    client = new_client(f"search-{viewport}", **({"viewport": PHONE} if viewport == "phone" else {}))
    page = client.page
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    if viewport == "phone":
        page.get_by_test_id("nav-toggle").click()
    page.get_by_test_id("nav-search").click()
    expect(page.locator("main h1")).to_have_text("Поиск по истории")

    page.get_by_test_id("search-q").fill("авари")
    page.keyboard.press("Enter")  # the keyboard submits the form
    hit = page.locator(f'[data-testid="search-hit"][data-message-id="{hit_id}"]')
    expect(hit).to_be_visible()
    expect(page.get_by_test_id("search-hit")).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("Авария")
    shot(page, f"search-{viewport}-hits")

    hit.get_by_test_id("search-hit-open").click()
    expect(page.get_by_test_id("thread-view")).to_be_visible()
    shown = page.locator(f'[data-testid="message-list"] [data-message-id="{hit_id}"]')
    expect(shown).to_have_attribute("data-focused", "")
    expect(shown).to_be_in_viewport()
    shot(page, f"search-{viewport}-opened")
    assert client.page_errors == []
