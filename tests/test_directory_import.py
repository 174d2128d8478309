"""Directory import/export (docs/directory-import.md): round trip, encodings, the error report, all or nothing."""

from __future__ import annotations

import io
import time
import zipfile

import httpx
import msgspec
import openpyxl
import pytest
from sqlalchemy import func, select

from communicator.db.models import AuditEntry, Employee, Group
from communicator.db.session import Database
from communicator.domain import Role
from communicator.events import EmployeeCreated, EmployeeUpdated, GroupCreated
from communicator.schemas import EmployeeRead, EmployeeUpdate, GroupCreate
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, InvalidInput
from communicator.services.directory.employees import list_employees, update_employee
from communicator.services.directory.groups import create_group, list_groups
from communicator.services.directory.transfer.export_file import export_directory
from communicator.services.directory.transfer.import_file import apply_import, preview_import
from communicator.services.directory.transfer.read_file import MAX_IMPORT_ROWS
from communicator.services.identity.accounts import create_account, create_user
from tests.conftest import API, login
from tests.test_directory_events import published

HEADER = "Телефон;ФИО;Должность;Группы;Теги\r\n"
# Reading and checking a file does not depend on the database: those tests run on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def _directory(db: Database, admin: Actor) -> tuple[list[EmployeeRead], list[tuple[str, int | None]]]:
    """Employees and groups (name, parent) as the API shows them: what an import must not change."""
    groups = [(g.name, g.parent_id) for g in await list_groups(db, admin)]
    return await list_employees(db, admin), groups


async def _make_it_awkward(db: Database, admin: Actor) -> None:
    """Formula-like text, a nested group, a group name with a comma and a slash, tags, an override, inactive."""
    night = await create_group(db, admin, GroupCreate(name="Ночная смена", parent_id=1))
    comma = await create_group(db, admin, GroupCreate(name="Склад, Север/Юг"))
    await update_employee(
        db,
        admin,
        1,
        EmployeeUpdate(
            name='=HYPERLINK("http://x")', position="-начальник", email="+a@b", group_ids=[night.id, comma.id]
        ),
    )
    await update_employee(db, admin, 2, EmployeeUpdate(tags=["Авария", "1234"], operator_override="MegaFon"))
    await update_employee(db, admin, 3, EmployeeUpdate(active=False))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_a_round_trip_changes_nothing(db: Database, admin: Actor, fmt: str) -> None:
    await _make_it_awkward(db, admin)
    before = await _directory(db, admin)
    exported = await export_directory(db, admin, fmt, "ru")  # type: ignore[arg-type]
    report = await preview_import(db, admin, exported, None, "ru")
    assert (report.errors, report.added, report.changed, report.new_groups) == ([], [], [], [])
    assert report.rows == report.unchanged == 20
    start = len(db.published)  # type: ignore[attr-defined]
    applied = await apply_import(db, admin, exported, None, "ru", report.plan)
    assert applied.applied and published(db, start) == []
    assert await _directory(db, admin) == before


@SQLITE_ONLY
async def test_formula_like_cells_are_neutralised_on_export(db: Database, admin: Actor) -> None:
    await _make_it_awkward(db, admin)
    text = (await export_directory(db, admin, "csv", "ru")).decode("utf-8-sig")
    assert text.startswith("Телефон;ФИО;Должность;E-mail;Активен;Группы;Теги;Оператор\r\n")
    assert '+79161000001;"\'=HYPERLINK(""http://x"")";\'-начальник;\'+a@b;да;' in text
    book = openpyxl.load_workbook(io.BytesIO(await export_directory(db, admin, "xlsx", "en")), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("Phone", "Name", "Position")
    first = next(r for r in rows if r[0] == "+79161000001")  # a bare phone number stays as it is
    assert first[1:6] == (
        '\'=HYPERLINK("http://x")',
        "'-начальник",
        "'+a@b",
        "yes",
        "Монтажники / Ночная смена, Склад, Север/Юг",
    )
    assert next(r for r in rows if r[0] == "+79161000002")[6:] == ("#1234 #авария", "MegaFon")


@SQLITE_ONLY
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
async def test_csv_in_utf8_or_cp1251_adds_employees_groups_and_tags(db: Database, admin: Actor, encoding: str) -> None:
    text = HEADER + "8 (926) 555-01-02;Зуева Ирина;Кладовщик;Склад / Ночная смена, монтажники;#Склад, ночь\r\n"
    start = len(db.published)  # type: ignore[attr-defined]
    report = await apply_import(db, admin, text.encode(encoding), "csv", "ru", None)
    assert [(a.row, a.phone, a.name) for a in report.added] == [(2, "+79265550102", "Зуева Ирина")]
    assert report.new_groups == ["Склад", "Склад / Ночная смена"]
    [added] = [e for e in await list_employees(db, admin) if e.phone == "+79265550102"]
    assert (added.position, added.tags, added.active) == ("Кладовщик", ["ночь", "склад"], True)
    paths = {g.id: (g.name, g.parent_id) for g in await list_groups(db, admin)}
    assert sorted(paths[g][0] for g in added.group_ids) == ["Монтажники", "Ночная смена"]
    kinds = [type(e) for e in published(db, start)]
    assert kinds == [GroupCreated, GroupCreated, EmployeeCreated]
    async with db.read() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(4)))
    assert actions == ["directory.imported", "employee.created", "group.created", "group.created"]


@SQLITE_ONLY
async def test_an_xlsx_with_a_numeric_phone_and_a_blank_row(db: Database, admin: Actor) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Phone", "Name", "Active", "Groups"])
    sheet.append([79265550103, "Zueva", "no", ""])
    sheet.append([])
    sheet.append(["+79161000001", "Иванов Сергей Петрович", "yes", "Монтажники, Замерщики"])
    sheet.append(["8-916-12", "Broken", "", ""])
    out = io.BytesIO()
    book.save(out)
    report = await preview_import(db, admin, out.getvalue(), "xlsx", "en")
    assert [p.message for p in report.errors] == ["row 5: phone «8-916-12» — invalid number"]
    sheet.delete_rows(5)
    out = io.BytesIO()
    book.save(out)
    report = await apply_import(db, admin, out.getvalue(), "xlsx", "en", None)
    assert [a.phone for a in report.added] == ["+79265550103"]
    [changed] = report.changed
    assert (changed.row, [msgspec.to_builtins(c) for c in changed.changes]) == (
        4,
        [{"column": "groups", "before": "Монтажники", "after": "Замерщики, Монтажники"}],
    )
    [zueva] = [e for e in await list_employees(db, admin) if e.phone == "+79265550103"]
    assert (zueva.name, zueva.active, zueva.group_ids) == ("Zueva", False, [])


@SQLITE_ONLY
async def test_the_error_report_names_rows_as_excel_does(db: Database, admin: Actor) -> None:
    lines = [HEADER.strip()] + [f"+7926555{n:04d};Сотрудник {n};;;" for n in range(14)] + [""]
    lines[16:] = [
        "8-916-12;Кривой номер;;;",
        "+79265550000;Повтор;;;",
        ";Без телефона;;;",
        "+79265559999;;;;#ок #не-ок!",
    ]
    report = await preview_import(db, admin, "\r\n".join(lines).encode(), "csv", "ru")
    assert [p.message for p in report.errors] == [
        "строка 17: телефон «8-916-12» — неверный номер",
        "строка 18: телефон «+79265550000» — уже есть в строке 2",
        "строка 19: телефон — не заполнено",
        "строка 20: ФИО — не заполнено",
        "строка 20: теги «#ок #не-ок!» — неверный тег «#не-ок!»",
    ]
    assert (report.errors[0].row, report.errors[0].column, report.errors[0].code) == (17, "phone", "invalid_phone")
    assert (report.added, report.plan) == ([], "")


@SQLITE_ONLY
async def test_unknown_and_missing_columns_are_reported_on_row_1(db: Database, admin: Actor) -> None:
    report = await preview_import(db, admin, "Телефон;Групы;;Телефон\r\n+79265550001;x;;\r\n".encode(), None, "ru")
    assert [p.message for p in report.errors] == [
        "строка 1: столбец «Групы» — неизвестный столбец",
        "строка 1: столбец «Телефон» — столбец повторяется",
        "строка 1: ФИО — нет такого столбца",
    ]


async def test_one_bad_row_changes_nothing(db: Database, admin: Actor) -> None:
    before = await _directory(db, admin)
    text = HEADER + "+79265550001;Новый;;Новая группа;\r\n+79161000001;Переименован;;;\r\n+7 000;Плохой;;;\r\n"
    with pytest.raises(InvalidInput) as refused:
        await apply_import(db, admin, text.encode(), "csv", "ru", None)
    assert refused.value.code == "import_invalid"
    assert [p.message for p in refused.value.extra.errors] == ["строка 4: телефон «+7 000» — неверный номер"]
    assert await _directory(db, admin) == before
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Group)) == 3


async def test_the_preview_lists_changes_field_by_field_and_a_stale_plan_is_refused(db: Database, admin: Actor) -> None:
    text = "Телефон;ФИО;Должность;Активен;Теги;Оператор\r\n+79161000004;Кузнецов Игорь Николаевич;Бригадир;нет;#авария #ночь;T2\r\n"
    report = await preview_import(db, admin, text.encode(), "csv", "ru")
    [changed] = report.changed
    assert (changed.employee_id, changed.name) == (4, "Кузнецов Игорь Николаевич")
    assert [(c.column, c.before, c.after) for c in changed.changes] == [
        ("position", "Старший монтажник", "Бригадир"),
        ("active", "да", "нет"),
        ("tags", "#авария", "#авария #ночь"),
        ("operator", "", "T2"),
    ]
    await update_employee(db, admin, 4, EmployeeUpdate(position="Мастер"))  # someone edits meanwhile
    with pytest.raises(Conflict) as stale:
        await apply_import(db, admin, text.encode(), "csv", "ru", report.plan)
    assert stale.value.code == "import_stale"
    fresh = await preview_import(db, admin, text.encode(), "csv", "ru")
    start = len(db.published)  # type: ignore[attr-defined]
    await apply_import(db, admin, text.encode(), "csv", "ru", fresh.plan)
    [updated] = published(db, start)
    assert isinstance(updated, EmployeeUpdated) and updated.employee.position == "Бригадир"
    assert (updated.employee.active, updated.employee.operator_override) == (False, "T2")


def _zip(parts: dict[str, bytes]) -> bytes:
    """A zip archive of these parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@SQLITE_ONLY
async def test_broken_input_is_refused_with_a_reason(db: Database, admin: Actor) -> None:
    cases = [
        ("import_not_text", b"\x00\x01\x02binary\xff" * 100),
        ("import_bad_encoding", "Телефон;ФИО\r\n".encode() + b"\xd0\x28\xc3\x28 broken"),
        ("import_not_xlsx", b"PK\x03\x04" + b"\x00" * 200),
        ("import_empty", b"  \r\n"),
        ("import_too_large", _zip({"xl/sharedStrings.xml": b"\0" * (101 * 1024 * 1024)})),  # a zip bomb, 100 kB
        ("import_not_xlsx", _zip({"word/document.xml": b"<w/>"})),  # a zip, but no workbook
    ]
    for code, data in cases:
        with pytest.raises(InvalidInput) as refused:
            await preview_import(db, admin, data, None, "ru")
        assert refused.value.code == code, code


@SQLITE_ONLY
async def test_a_huge_file_is_refused_fast_and_a_big_one_previews_fast(db: Database, admin: Actor) -> None:
    huge = "Телефон;ФИО\r\n" + "".join(f"+7926{n:07d};N{n}\r\n" for n in range(100_000))  # 2 MB
    started = time.monotonic()
    with pytest.raises(InvalidInput) as refused:
        await preview_import(db, admin, huge.encode(), None, "ru")
    assert refused.value.code == "import_too_many_rows" and time.monotonic() - started < 5
    big = HEADER + "".join(f"+7926{n:07d};Сотрудник {n};;Группа {n % 50};#t{n % 7}\r\n" for n in range(MAX_IMPORT_ROWS))
    started = time.monotonic()
    report = await preview_import(db, admin, big.encode(), None, "ru")
    assert (len(report.added), len(report.new_groups), report.errors) == (MAX_IMPORT_ROWS, 50, [])
    assert time.monotonic() - started < 10


async def test_the_routes_export_and_import_for_admins_only(client: httpx.AsyncClient, server_db: Database) -> None:
    csv_file = await client.get(f"{API}/directory/export", params={"format": "csv"})
    assert csv_file.status_code == 200 and csv_file.content.startswith(b"\xef\xbb\xbf\xd0\xa2")  # BOM, «Т»
    assert csv_file.headers["content-disposition"].startswith('attachment; filename="directory-')
    added = csv_file.content + "+79265550077;Через API;;;;;;\r\n".encode()
    preview = await client.post(f"{API}/directory/import", content=added, params={"format": "csv"})
    assert preview.status_code == 200 and [a["row"] for a in preview.json()["added"]] == [22]
    done = await client.post(
        f"{API}/directory/import", content=added, params={"apply": "true", "plan": preview.json()["plan"]}
    )
    assert done.status_code == 200 and done.json()["applied"] is True
    bad = await client.post(f"{API}/directory/import", content=b"x;y\r\n1;2", params={"apply": "true"})
    assert bad.status_code == 422 and bad.json()["code"] == "import_invalid"
    assert bad.json()["extra"]["errors"][0]["message"] == "строка 1: столбец «x» — неизвестный столбец"
    too_big = await client.post(f"{API}/directory/import", content=b"a" * 10 * 1024 * 1024)
    assert too_big.status_code == 413
    async with httpx.AsyncClient(base_url=str(client.base_url), timeout=10) as operator:
        await login(operator, "operator")
        assert (await operator.get(f"{API}/directory/export")).status_code == 403
        refused = await operator.post(f"{API}/directory/import", content=added)
        assert refused.status_code == 403 and refused.json()["code"] == "admin_only"
    async with server_db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Employee)) == 21


async def test_another_company_neither_sees_nor_touches_this_directory(db: Database, admin: Actor) -> None:
    async with db.write() as session:
        account = await create_account(session, "ООО «Другая»", "4939")
        user = await create_user(session, account.id, "other-admin", "other-password-1", Role.ADMINISTRATOR)
    other = Actor(user.id, account.id, user.role, user.login, user.name)
    before = await _directory(db, admin)
    empty = (await export_directory(db, other, "csv", "ru")).decode("utf-8-sig")
    assert empty == "Телефон;ФИО;Должность;E-mail;Активен;Группы;Теги;Оператор\r\n"
    mine = await export_directory(db, admin, "csv", "ru")
    report = await apply_import(db, other, mine, None, "ru", None)  # the same people, as that company's own
    assert (len(report.added), report.changed, sorted(report.new_groups)) == (
        20,
        [],
        ["Дежурные инженеры", "Замерщики", "Монтажники"],
    )
    assert await _directory(db, admin) == before
    assert {e.phone for e in await list_employees(db, other)} == {e.phone for e in before[0]}
    assert {g.id for g in await list_groups(db, other)}.isdisjoint({g.id for g in await list_groups(db, admin)})
