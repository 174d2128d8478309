"""Exports to Excel and the proof of notification (docs/exports.md), on SQLite and PostgreSQL; the API end to end."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from sqlalchemy import select, update

from communicator.db.models import Employee, Export
from communicator.db.session import Database
from communicator.events import ExportUpdated
from communicator.events.visibility import get_visible_event
from communicator.exports.runner import ExportRunner
from communicator.schemas import MessageCreate, PermissionsUpdate, Recipients
from communicator.schemas.search import SearchFilters
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, NotFound
from communicator.services.core.permissions import EVERYONE
from communicator.services.identity.accounts import create_account, create_user
from communicator.services.identity.auth import open_session
from communicator.services.messaging import exports
from communicator.services.messaging.export_rows import HEADER
from communicator.services.messaging.proof import PROOF_HEADER, write_proof
from communicator.services.messaging.send import get_message, send_message
from communicator.settings import load_settings
from tests.conftest import API, DEMO_PASSWORD, LiveServer, login, make_server
from tests.helpers import InProcessGateway, count_by_status, receive_reply, wait_for
from tests.test_permissions import FITTERS, group_id, make_user

FITTER = "+79161000001"  # Иванов, «Монтажники»
ENGINEER = "+79161000013"  # «Дежурные инженеры»
MOSCOW = ZoneInfo("Europe/Moscow")


def cell(phone: str) -> str:
    """A phone as its cell holds it: a bare E.164 number stays as it is (communicator.xlsx)."""
    return phone


def runner_for(db: Database, tmp_path: Path, **overrides: object) -> ExportRunner:
    """A runner writing into tmp_path, with small sheets and batches so both show."""
    options: dict[str, object] = {"export_sheet_rows": 3, "export_batch_rows": 2, **overrides}
    settings = load_settings({}, database_url=db.url, export_dir=str(tmp_path / "exports"), **options)
    return ExportRunner(db, settings)


async def run_export(db: Database, runner: ExportRunner, actor: Actor, filters: SearchFilters) -> int:
    """Start an export and run it to its end (as the background task would); returns its id."""
    started = await exports.start_export(db, actor, filters, max_running=2)
    claimed = await exports.claim_export(db, runner.lease)
    assert claimed is not None and claimed.id == started.id
    await runner.run_job(claimed)
    return started.id


def read_rows(path: Path) -> tuple[list[str], list[list[object]]]:
    """The sheet names and every data row (headers dropped) of an export."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows: list[list[object]] = []
    for sheet in book.worksheets:
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert values[0] == HEADER
        rows.extend(values[1:])
    return book.sheetnames, rows


async def send(db: Database, actor: Actor, text: str, *numbers: str) -> int:
    """Send a text to these numbers; returns the message id."""
    return (await send_message(db, actor, MessageCreate(text=text, recipients=Recipients(numbers=list(numbers))))).id


async def test_export_holds_every_row_neutralised_and_split_into_sheets(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    await send(db, admin, '=HYPERLINK("http://x") #Авария на объекте', FITTER, ENGINEER)
    await receive_reply(db, FITTER, "+принял #авария")
    runner = runner_for(db, tmp_path)
    export_id = await run_export(db, runner, admin, SearchFilters())

    job = await exports.get_export(db, admin, export_id)
    assert (job.status, job.rows, job.total, job.error) == ("done", 3, 3, None)
    path = await exports.get_export_file(db, admin, export_id, runner.directory)
    sheets, rows = read_rows(path)
    assert sheets == ["Сообщения", "Сообщения 2"]  # 3 rows, 2 per sheet under the header
    out = [r for r in rows if r[1] == "исходящее"]
    assert sorted(r[3] for r in out) == [cell(FITTER), cell(ENGINEER)]
    fitter_row = next(r for r in out if r[3] == cell(FITTER))
    assert fitter_row[4] == "Иванов Сергей Петрович"
    assert fitter_row[5] == FITTERS
    assert fitter_row[6] == "#авария"
    assert fitter_row[7] == '\'=HYPERLINK("http://x") #Авария на объекте'
    assert (fitter_row[8], fitter_row[9]) == (1, "в очереди")
    reply = next(r for r in rows if r[1] == "входящее")
    assert (reply[2], reply[3], reply[7]) == (cell(FITTER), "4938", "'+принял #авария")
    assert isinstance(reply[0], datetime)  # an Excel date in the account's zone (Moscow, UTC+3)
    stored = await _created_at(db, export_id)
    assert abs((reply[0] - stored.astimezone(MOSCOW).replace(tzinfo=None)).total_seconds()) < 3600
    updates = [e for e in db.published if b'"export.updated"' in e.data]  # type: ignore[attr-defined]
    assert b'"status":"done"' in updates[-1].data and len(updates) >= 2


async def _created_at(db: Database, export_id: int) -> datetime:
    """When an export was started."""
    async with db.read() as session:
        return (await session.execute(select(Export.created_at).where(Export.id == export_id))).scalar_one()


async def test_filters_narrow_the_rows(db: Database, admin: Actor, tmp_path: Path) -> None:
    await send(db, admin, "Планёрка", FITTER, ENGINEER)
    await receive_reply(db, ENGINEER, "Буду")
    runner = runner_for(db, tmp_path, export_sheet_rows=1000)
    async with db.read() as session:
        engineer = await session.scalar(select(Employee.id).where(Employee.phone == ENGINEER))
    cases = [
        (SearchFilters(direction="in"), {("входящее", ENGINEER)}),
        (SearchFilters(employee_id=engineer), {("входящее", ENGINEER), ("исходящее", ENGINEER)}),
        (SearchFilters(group_id=await group_id(db, FITTERS)), {("исходящее", FITTER)}),
        (SearchFilters(status="Pending", direction="out"), {("исходящее", FITTER), ("исходящее", ENGINEER)}),
        (SearchFilters(until=datetime.now(UTC) - timedelta(days=1)), set()),
    ]
    for filters, expected in cases:
        export_id = await run_export(db, runner, admin, filters)
        _, rows = read_rows(await exports.get_export_file(db, admin, export_id, runner.directory))
        found = {(r[1], r[2] if r[1] == "входящее" else r[3]) for r in rows}
        assert found == {(direction, cell(phone)) for direction, phone in expected}, filters


async def test_a_phrase_exports_what_the_search_finds(db: Database, admin: Actor, tmp_path: Path) -> None:
    await send(db, admin, "Авария на подстанции #Щит4", FITTER)
    await send(db, admin, "Планёрка в 9", FITTER)
    await receive_reply(db, FITTER, "аварии нет, #щит4 в норме")
    runner = runner_for(db, tmp_path, export_sheet_rows=1000)
    cases = [
        (SearchFilters(q="авария"), {"Авария на подстанции #Щит4", "аварии нет, #щит4 в норме"}),
        (SearchFilters(tag="щит4", direction="in"), {"аварии нет, #щит4 в норме"}),
        (SearchFilters(q="планёрка"), {"Планёрка в 9"}),
        (SearchFilters(q="несуществующее"), set()),
        # Quotes and SQL in the phrase stay words (the SQLite reader renders every value into its statement).
        (SearchFilters(q="авария' OR 1=1 --"), set()),
        (SearchFilters(q='"авария" \'планёрка\''), set()),
    ]
    for filters, expected in cases:
        export_id = await run_export(db, runner, admin, filters)
        _, rows = read_rows(await exports.get_export_file(db, admin, export_id, runner.directory))
        assert {r[7] for r in rows} == expected, filters


async def test_a_restricted_operator_exports_only_what_they_see(db: Database, admin: Actor, tmp_path: Path) -> None:
    await send(db, admin, "Всем: сбор в 9", FITTER, ENGINEER)
    await receive_reply(db, ENGINEER, "Инженер: буду")
    await receive_reply(db, FITTER, "Монтажник: буду")
    operator = await make_user(db, admin, PermissionsUpdate(groups=[await group_id(db, FITTERS)]))
    runner = runner_for(db, tmp_path, export_sheet_rows=1000)
    export_id = await run_export(db, runner, operator, SearchFilters())
    _, rows = read_rows(await exports.get_export_file(db, operator, export_id, runner.directory))
    assert sorted((r[1], r[7]) for r in rows) == [("входящее", "Монтажник: буду"), ("исходящее", "Всем: сбор в 9")]
    assert all(cell(ENGINEER) not in (r[2], r[3]) for r in rows)
    # Only the owner reads a job: the admin of the same company, and another company, get 404.
    with pytest.raises(NotFound):
        await exports.get_export(db, admin, export_id)
    async with db.write() as session:
        other = await create_account(session, "Другая компания", "5000")
        await create_user(session, other.id, "b-admin", DEMO_PASSWORD, "Administrator")
    _, stranger = await open_session(db, "b-admin", DEMO_PASSWORD)
    for who in (admin, stranger):
        with pytest.raises(NotFound):
            await exports.get_export_file(db, who, export_id, runner.directory)


async def test_a_user_runs_a_limited_number_of_exports(db: Database, admin: Actor) -> None:
    await exports.start_export(db, admin, SearchFilters(), max_running=1)
    with pytest.raises(Conflict):
        await exports.start_export(db, admin, SearchFilters(), max_running=1)


async def test_a_job_interrupted_by_a_restart_is_resumed_to_done(db: Database, admin: Actor, tmp_path: Path) -> None:
    await send(db, admin, "Перезапуск", FITTER)
    started = await exports.start_export(db, admin, SearchFilters(), max_running=2)
    # The first server took it and died: its lease runs out (zero here) and nobody releases it.
    assert await exports.claim_export(db, timedelta(0)) is not None
    assert (await exports.get_export(db, admin, started.id)).status == "running"
    runner = runner_for(db, tmp_path)
    # A server that stops on purpose mid-job hands it back at once.
    claimed = await exports.claim_export(db, runner.lease)
    assert claimed is not None
    task = asyncio.create_task(runner.run_job(claimed))
    await asyncio.sleep(0)  # one turn of the loop: the job starts and waits on its first query
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not list(runner.directory.glob("*.part"))
    # The next start takes it again and finishes it from scratch.
    background = asyncio.create_task(runner.run())
    try:

        async def finished() -> bool:
            return (await exports.get_export(db, admin, started.id)).status != "running"

        await wait_for(finished, what="the resumed export")
    finally:
        background.cancel()
        await asyncio.gather(background, return_exceptions=True)
    job = await exports.get_export(db, admin, started.id)
    assert (job.status, job.rows) == ("done", 1)


async def test_a_job_that_keeps_dying_fails_with_a_reason(db: Database, admin: Actor) -> None:
    started = await exports.start_export(db, admin, SearchFilters(), max_running=2)
    for _ in range(exports.MAX_ATTEMPTS):
        assert await exports.claim_export(db, timedelta(0)) is not None
    assert await exports.claim_export(db, timedelta(0)) is None
    job = await exports.get_export(db, admin, started.id)
    assert job.status == "failed" and job.error and "stopped" in job.error


async def test_old_exports_and_their_files_are_deleted(db: Database, admin: Actor, tmp_path: Path) -> None:
    runner = runner_for(db, tmp_path)
    export_id = await run_export(db, runner, admin, SearchFilters())
    path = await exports.get_export_file(db, admin, export_id, runner.directory)
    await runner.delete_old_files()
    assert path.exists()
    async with db.write() as session:
        old = datetime.now(UTC) - timedelta(days=8)
        await session.execute(update(Export).where(Export.id == export_id).values(finished_at=old))
    await runner.delete_old_files()
    assert not path.exists()
    with pytest.raises(NotFound):
        await exports.get_export(db, admin, export_id)


async def test_proof_of_notification_lists_sent_delivered_and_first_reply(db: Database, admin: Actor) -> None:
    message_id = await send(db, admin, "Отключение воды в 14:00", FITTER, ENGINEER)
    async with InProcessGateway(db):

        async def delivered() -> bool:
            return (await count_by_status(db, message_id)).get("Delivered") == 2

        await wait_for(delivered, what="both delivered")
    await receive_reply(db, FITTER, "Понял")
    await receive_reply(db, FITTER, "Ещё раз понял")
    page = await get_message(db, admin, message_id)
    rows = {d.phone: d for d in page.deliveries or []}
    fitter, engineer = rows[FITTER], rows[ENGINEER]
    assert fitter.sent_at and fitter.delivered_at and fitter.sent_at <= fitter.delivered_at
    assert fitter.replied_at is not None and engineer.replied_at is None
    book = openpyxl.load_workbook(io.BytesIO(await write_proof(db, admin, message_id)), read_only=True)
    values = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert values[0] == PROOF_HEADER
    by_phone = {str(row[1]).lstrip("'"): row for row in values[1:]}
    assert by_phone[FITTER][0] == "Иванов Сергей Петрович"
    assert by_phone[FITTER][2] == "доставлено"
    wall_clock = fitter.delivered_at.astimezone(MOSCOW).replace(tzinfo=None)  # Excel keeps milliseconds
    assert abs(by_phone[FITTER][4] - wall_clock) < timedelta(milliseconds=2)
    assert by_phone[FITTER][5] is not None and by_phone[ENGINEER][5] is None
    # A restricted operator's proof holds only the recipients they reach.
    operator = await make_user(db, admin, PermissionsUpdate(groups=[await group_id(db, FITTERS)]))
    book = openpyxl.load_workbook(io.BytesIO(await write_proof(db, operator, message_id)), read_only=True)
    assert [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == [cell(FITTER)]


# --- the API end to end (SQLite) -----------------------------------------------------------------


@pytest.fixture
def export_server(sqlite_url: str, tmp_path: Path):
    """A live server with small export sheets."""
    live = make_server(sqlite_url, export_dir=str(tmp_path / "exports"), export_sheet_rows=2)
    yield live
    live.stop()


async def test_the_api_starts_follows_and_downloads_an_export(export_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=export_server.url, timeout=10) as http:
        await login(http)
        sent = await http.post(f"{API}/messages", json={"text": "@SUM(A1)", "recipients": {"numbers": [FITTER]}})
        assert sent.status_code == 201, sent.text
        started = await http.post(f"{API}/exports", json={"direction": "out"})
        assert started.status_code == 202, started.text
        export_id = started.json()["id"]
        assert started.json()["status"] == "running"

        async def done() -> bool:
            return (await http.get(f"{API}/exports/{export_id}")).json()["status"] == "done"

        await wait_for(done, what="the export")
        job = (await http.get(f"{API}/exports/{export_id}")).json()
        assert (job["rows"], job["total"], job["error"]) == (1, 1, None)
        file = await http.get(f"{API}/exports/{export_id}/file")
        assert file.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert f"communicator-export-{export_id}.xlsx" in file.headers["content-disposition"]
        sheet = openpyxl.load_workbook(io.BytesIO(file.content), read_only=True).worksheets[0]
        assert [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["'@SUM(A1)"]
        proof = await http.get(f"{API}/messages/{sent.json()['id']}/proof.xlsx")
        assert proof.status_code == 200 and "proof.xlsx" in proof.headers["content-disposition"]
        assert (await http.get(f"{API}/exports")).json()[0]["id"] == export_id
        assert (await http.post(f"{API}/exports", json={"nope": 1})).status_code == 400
        assert (await http.get(f"{API}/exports/{2**63}")).status_code == 400
        assert (await http.get(f"{API}/exports/{export_id + 1}/file")).status_code == 404
    async with httpx.AsyncClient(base_url=export_server.url, timeout=10) as other:
        await login(other, "operator")
        assert (await other.get(f"{API}/exports/{export_id}")).status_code == 404
        assert (await other.get(f"{API}/exports/{export_id}/file")).status_code == 404


async def test_export_updates_reach_only_the_user_who_started_it(db: Database, admin: Actor) -> None:
    job = await exports.start_export(db, admin, SearchFilters(), max_running=2)
    event = ExportUpdated(user_id=admin.user_id, export=job)
    operator = await make_user(db, admin)  # may see everyone, yet not another user's export
    assert get_visible_event(event, admin, EVERYONE, {}) == event
    assert get_visible_event(event, operator, EVERYONE, {}) is None
