"""axe-core over every route of the SPA, logged in as the demo admin (who also runs the platform), at both widths.

Asserts 0 critical and 0 serious violations; a failure prints each rule id with a few of its targets.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_PASSWORD, DESKTOP, PHONE, Client, NewClient, inbound, shot
from tests.conftest import API, LiveServer

AXE = Path(__file__).resolve().parents[1] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("critical", "serious")


def axe_findings(page: Page) -> list[str]:
    """Critical and serious violations on the page as it is now, one line per rule."""
    page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")  # a panel sliding in is half-transparent
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:4])}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture(scope="module")
def seeded(server: LiveServer) -> dict[str, object]:
    """A group broadcast with a reply, so threads, bubbles, nested replies and summaries are on screen."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.post(f"{API}/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}).status_code == 200
        groups = {g["name"]: g["id"] for g in http.get(f"{API}/groups").json()["items"]}
        employees = http.get(f"{API}/employees").json()["items"]
        users = http.get(f"{API}/users").json()["items"]
        sent = http.post(f"{API}/messages", json={"text": "Сбор в 9:00", "recipients": {"groups": [groups["Монтажники"]]}})
        assert sent.status_code == 201, sent.text
    inbound(server, "+79161000001", "Буду")
    inbound(server, "+79995550000", "Кто это?")
    return {"group": groups["Монтажники"], "employee": employees[0], "user": users[0]["id"]}


def routes(client: Client, seeded: dict[str, object]) -> list[str]:
    """Every route of state/route.ts, with an open item where a route has one."""
    group_thread = client.thread_id("group", seeded["group"])  # type: ignore[arg-type]
    employee = seeded["employee"]
    return [
        "#/threads",
        f"#/threads/{group_thread}",
        "#/new",
        "#/directory",
        "#/directory/groups",
        "#/phones",
        f"#/phones/{employee['phone']}",  # type: ignore[index]
        "#/users",
        f"#/users/{seeded['user']}",
        "#/tokens",
        "#/audit",
        "#/accounts",
        "#/inbox",
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_axe_violations_on_any_route(
    viewport: dict[str, int], seeded: dict[str, object], new_client: NewClient
) -> None:
    # The page's CSP forbids the inline script add_script_tag injects; bypass it for the scan only.
    client = new_client(f"axe-{viewport['width']}", viewport, bypass_csp=True)
    page = client.page
    client.goto()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    failures = {"#/login": axe_findings(page)}
    client.login("admin", DEMO_PASSWORD)
    for route in routes(client, seeded):
        page.evaluate(f"location.hash = {route!r}")
        heading = page.locator("main h1:visible")
        try:
            expect(heading).to_have_count(1, timeout=3000)
            missing = []
        except AssertionError:
            missing = [f"no visible h1 ({heading.count()} found)"]
        page.locator("[data-testid=spinner]").first.wait_for(state="detached")
        failures[route] = missing + axe_findings(page)
        shot(page, f"a11y-{viewport['width']}-{route.strip('#/').replace('/', '-') or 'threads'}")
    page.evaluate("location.hash = '#/directory'")
    page.get_by_test_id("employee-add").click()
    expect(page.get_by_test_id("employee-form")).to_be_visible()
    failures["#/directory (employee form)"] = axe_findings(page)
    bad = {route: found for route, found in failures.items() if found}
    assert not bad, "\n".join(f"{route}: {line}" for route, found in bad.items() for line in found)
