"""Export to Excel in Chromium (issue 8, item 5): start «Экспорт всего», watch the progress bar move with
export.updated frames, download the file and find the expected row in it with openpyxl.

The server holds a few thousand messages and reads them 50 at a time, so the job sends many progress frames
(a quiet machine may finish it before the bar is drawn with its total).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from communicator.db.migrate import upgrade
from communicator.settings import load_settings
from e2e.conftest import DEMO_PASSWORD, PHONE, NewClient, shot
from tests.conftest import API, LiveServer, seed

FILLER = 3000  # inbound messages besides the one the test looks for
NEEDLE = "Авария на подстанции №7 #авария"
SHOTS = Path("/tmp/shots-export")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on SQLite with the demo account, FILLER old messages, small export batches."""
    folder = tmp_path_factory.mktemp("e2e-export")
    database = folder / "e2e.db"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    asyncio.run(seed(url))
    with sqlite3.connect(database) as connection:
        at = datetime(2026, 1, 15, 9, 0, tzinfo=UTC).isoformat(" ")
        rows = [("in", f"Сообщение {n}", 1, "UCS-2", at, "+79161000002") for n in range(FILLER)]
        connection.executemany(
            "INSERT INTO messages (account_id, direction, text, parts, encoding, created_at, sender_phone, folded)"
            " VALUES (1, ?, ?, ?, ?, ?, ?, 0)",
            rows,
        )
    settings = load_settings(
        {}, database_url=url, smtp_port=0, export_dir=str(folder / "exports"), export_batch_rows=50
    )
    live = LiveServer(settings).start()
    yield live
    live.stop()


def test_export_everything_shows_progress_and_downloads_the_file(
    server: LiveServer, new_client: NewClient, tmp_path: Path
) -> None:
    SHOTS.mkdir(exist_ok=True)
    client = new_client("exporter")
    client.goto()
    client.login("admin", DEMO_PASSWORD)
    page = client.page
    sent = page.request.post(
        f"{server.url}{API}/messages", data={"text": NEEDLE, "recipients": {"numbers": ["+79161000001"]}}
    )
    assert sent.ok, sent.text()
    page.get_by_test_id("nav-exports").click()
    expect(page.locator("main h1")).to_have_text("Экспорт в Excel")
    page.get_by_test_id("export-start").click()
    progress = page.get_by_role("progressbar", name="Ход экспорта")
    expect(progress).to_be_visible()
    download_link = page.get_by_test_id("export-download")
    # The bar with the job's total, or (on a quiet machine the 3,001 rows take about 0.1 s) the finished job: the
    # running frames with that total are checked below either way.
    moving = progress.and_(page.locator(f'[aria-valuetext^="Выгружено "][aria-valuetext$=" из {FILLER + 1}"]'))
    expect(moving.or_(download_link)).to_be_visible()
    shot(page, "70-export-progress")
    page.screenshot(path=str(SHOTS / "progress-1280.png"))
    expect(download_link).to_be_visible(timeout=60_000)
    expect(download_link).to_contain_text(f"{FILLER + 1} строк")
    # The bar was moved by frames over the WebSocket, not by polling: running ones with rows, then done.
    frames = client.events("export.updated")
    assert frames[-1]["export"]["status"] == "done"
    assert any(f["export"]["status"] == "running" and f["export"]["total"] == FILLER + 1 for f in frames)
    page.screenshot(path=str(SHOTS / "done-1280.png"))
    with page.expect_download() as info:
        download_link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.endswith(".xlsx")
    book = openpyxl.load_workbook(saved, read_only=True)
    rows = [row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    hit = next(row for row in rows if row[7] == NEEDLE)
    assert (hit[1], hit[3], hit[6]) == ("исходящее", "+79161000001", "#авария")
    assert len(rows) == FILLER + 1
    # The list of recent exports holds it, with its own download link; on a phone too.
    expect(page.get_by_test_id("export-row").first).to_have_attribute("data-status", "done")
    phone = new_client("exporter-phone", PHONE)
    phone.goto("#/exports")
    phone.login("admin", DEMO_PASSWORD)
    expect(phone.page.get_by_test_id("export-row-download").first).to_be_visible()
    phone.page.screenshot(path=str(SHOTS / "list-390.png"), full_page=True)
    assert client.unexpected_console_errors(lambda text: "401 (Unauthorized)" in text) == []  # before login
