"""End-to-end fixtures: a live server per module, Debian's Chromium, browser clients, screenshots.

No browser is ever downloaded: Playwright drives /usr/bin/chromium. Screenshots go to
test-artifacts/e2e/ (gitignored). See docs/e2e.md.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Playwright,
    WebSocket,
    expect,
    sync_playwright,
)

from communicator.db.migrate import upgrade
from communicator.settings import load_settings
from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, seed

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
DIST_INDEX = ROOT / "frontend" / "dist" / "index.html"
CHROMIUM = os.environ.get("COMMUNICATOR_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Receipts come this long after the SMSC accepts a part: long enough to see «ожидают» on screen,
# short enough that the whole run stays fast.
DLR_DELAY_MS = 1200.0

__all__ = ["DEMO_PASSWORD", "DESKTOP", "PHONE", "Client", "NewClient", "inbound", "shot"]

expect.set_options(timeout=10_000)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "incremental: a journey; after a failed step the later steps are skipped")
    if not hasattr(config, "workerinput"):  # once per run (not per xdist worker): old screenshots go
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """Remember the first failed step of an incremental module."""
    if (
        "incremental" in item.keywords
        and call.excinfo is not None
        and not call.excinfo.errisinstance(pytest.skip.Exception)
    ):
        item.parent._failed_step = item.name  # type: ignore[union-attr]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip the rest of a journey once a step failed: they depend on its state."""
    failed = getattr(item.parent, "_failed_step", None)
    if "incremental" in item.keywords and failed is not None:
        pytest.skip(f"an earlier journey step failed ({failed})")


@pytest.fixture(scope="session", autouse=True)
def _prerequisites() -> None:
    """The built front end and Debian's Chromium; the artifacts folder."""
    # `make test` builds the front end and installs Chromium, so there (and in CI) a missing one is a failure.
    missing = pytest.fail if os.environ.get("CI") or os.environ.get("COMMUNICATOR_E2E_REQUIRED") else pytest.skip
    if not DIST_INDEX.is_file():
        missing("frontend/dist is missing: run `cd frontend && npm run build` first")
    if not Path(CHROMIUM).is_file():
        missing(f"no Chromium at {CHROMIUM} (set COMMUNICATOR_E2E_CHROMIUM; never `playwright install`)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def start_server(tmp_path_factory: pytest.TempPathFactory, **overrides: object) -> LiveServer:
    """The real app on a fresh SQLite file with the demo account and a fast simulator, `overrides` in its settings."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    upgrade(url)
    asyncio.run(seed(url))
    fast = {"sim_dlr_delay_ms": DLR_DELAY_MS, "sim_submit_latency_ms": 1.0, "smtp_port": free_port()}
    return LiveServer(load_settings({}, database_url=url, **{**fast, **overrides})).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on a fresh SQLite file with the demo account and a fast simulator."""
    live = start_server(tmp_path_factory)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def playwright(server: LiveServer) -> Iterator[Playwright]:
    """Started after the server: the sync API owns an event loop, so asyncio.run must come first."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def shot(page: Page, name: str) -> Path:
    """Save a screenshot of the page as test-artifacts/e2e/<name>.png."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def open_admin_page(page: Page, name: str) -> None:
    """Open an administration page through the top bar's «Администрирование» menu (the phone menu open first)."""
    page.get_by_test_id("nav-admin").click()
    page.get_by_test_id(f"nav-{name}").click()


def inbound(server: LiveServer, phone: str, text: str) -> dict:
    """An SMS typed on a virtual phone, posted like the virtual SMSC would (no session needed)."""
    response = httpx.post(f"{server.url}/api/v1/simulator/inbound", json={"from": phone, "text": text}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


@dataclass
class Client:
    """One browser context with one page, recording what a test may want to assert on."""

    name: str
    server: LiveServer
    context: BrowserContext
    page: Page
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    socket_urls: list[str] = field(default_factory=list)
    frames: list[dict] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        """Record dialogs (dismissed), console errors, uncaught errors and WebSocket frames."""

        def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_socket(socket: WebSocket) -> None:
            self.socket_urls.append(socket.url)
            socket.on("framereceived", self._frame)

        page.on("dialog", on_dialog)
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("websocket", on_socket)

    def _frame(self, payload: str | bytes) -> None:
        try:
            self.frames.append(json.loads(payload))
        except ValueError:
            self.frames.append({"raw": str(payload)})

    def events(self, kind: str) -> list[dict]:
        return [frame for frame in self.frames if frame.get("type") == kind]

    def goto(self, route: str = "") -> None:
        self.page.goto(f"{self.server.url}/{route}")

    def login(self, login: str, password: str) -> None:
        """Log in through the form and wait for the live connection."""
        page = self.page
        page.get_by_test_id("login-username").fill(login)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")

    def api(self, path: str) -> dict:
        """GET an API path with this client's session cookie."""
        response = self.page.request.get(f"{self.server.url}{path}")
        assert response.ok, f"{path}: {response.status} {response.text()}"
        return response.json()

    def thread_id(self, kind: str, ref_id: int | None) -> int:
        for thread in self.api("/api/v1/threads")["items"]:
            if thread["kind"] == kind and thread["ref_id"] == ref_id:
                return thread["id"]
        raise AssertionError(f"no {kind} thread for {ref_id}")

    def unexpected_console_errors(self, allowed: Callable[[str], bool] = lambda _: False) -> list[str]:
        return [text for text in self.console_errors if not allowed(text)]


NewClient = Callable[..., Client]


@pytest.fixture(scope="module")
def new_client(browser: Browser, server: LiveServer) -> Iterator[NewClient]:
    """Make a logged-out client in its own browser context (own cookies, own storage)."""
    contexts: list[BrowserContext] = []

    def make(name: str, viewport: dict[str, int] = DESKTOP, **options: object) -> Client:
        context = browser.new_context(viewport=viewport, locale="ru-RU", **options)
        contexts.append(context)
        page = context.new_page()
        client = Client(name, server, context, page)
        client.watch(page)
        return client

    yield make
    for context in contexts:
        context.close()
