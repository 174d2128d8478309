"""Directory import in the browser: a CSV with one bad row is refused naming the row and changes nothing;
the fixed file previews and applies, and the employee appears. Also the export download (docs/directory-import.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.conftest import DEMO_PASSWORD, PHONE, Client, NewClient, shot
from tests.conftest import API

pytestmark = pytest.mark.incremental

HEADER = "Телефон;ФИО;Должность;Группы;Теги"
NEW = "8 926 555-01-02;Зуева Ирина Олеговна;Кладовщик;Склад;#склад"
CHANGED = "+79161000020;Орлова Татьяна Сергеевна;Старший диспетчер;;"


def csv_file(tmp_path: Path, name: str, *rows: str) -> Path:
    """A CSV as Russian Excel saves it: Windows-1251, «;»-separated."""
    path = tmp_path / name
    path.write_bytes("\r\n".join([HEADER, *rows]).encode("cp1251"))
    return path


@pytest.fixture(scope="module")
def admin(new_client: NewClient) -> Client:
    client = new_client("admin")
    client.goto("#/directory")
    client.login("admin", DEMO_PASSWORD)
    return client


def test_a_bad_row_is_named_and_nothing_changes(admin: Client, tmp_path: Path) -> None:
    page = admin.page
    shot(page, "dirio-1280-ru-toolbar")
    page.get_by_test_id("import-open").click()
    drawer = page.get_by_test_id("import-drawer")
    expect(page.get_by_test_id("import-file")).to_be_focused()  # the panel starts at its file field
    bad = csv_file(tmp_path, "bad.csv", NEW, CHANGED, "8-916-12;Кривой Номер;;;")
    page.get_by_test_id("import-file").set_input_files(bad)
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_have_text("строка 4: телефон «8-916-12» — неверный номер")
    expect(page.get_by_test_id("import-apply")).to_be_disabled()
    shot(page, "dirio-1280-ru-errors")
    employees = admin.api(f"{API}/employees")["items"]
    assert len(employees) == 20 and not any(e["phone"] == "+79265550102" for e in employees)
    page.keyboard.press("Escape")
    expect(drawer).to_have_count(0)
    expect(page.get_by_test_id("import-open")).to_be_focused()


def test_the_fixed_file_previews_then_applies(admin: Client, tmp_path: Path) -> None:
    page = admin.page
    page.get_by_test_id("import-open").click()
    page.get_by_test_id("import-file").set_input_files(csv_file(tmp_path, "good.csv", NEW, CHANGED))
    added = page.get_by_test_id("import-added")
    expect(added).to_contain_text("Зуева Ирина Олеговна")
    expect(added).to_contain_text("+79265550102")
    changed = page.get_by_test_id("import-changed")
    expect(changed).to_contain_text("Должность")
    expect(changed).to_contain_text("Диспетчер → Старший диспетчер")
    expect(page.get_by_test_id("import-new-groups")).to_have_text("Новые группы: Склад")
    shot(page, "dirio-1280-ru-preview")
    page.get_by_test_id("import-apply").click()
    expect(page.get_by_test_id("import-done")).to_have_text("Импорт применён: добавлено 1, изменено 1.")
    page.keyboard.press("Escape")
    row = page.get_by_test_id("employee-row").filter(has_text="Зуева Ирина Олеговна")
    expect(row).to_contain_text("+79265550102")
    expect(row).to_contain_text("Склад")
    orlova = next(e for e in admin.api(f"{API}/employees")["items"] if e["phone"] == "+79161000020")
    assert orlova["position"] == "Старший диспетчер"
    assert admin.page_errors == []


def test_export_downloads_the_directory(admin: Client) -> None:
    page = admin.page
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    data = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    assert data.startswith("Телефон;ФИО;") and "+79265550102;Зуева Ирина Олеговна;Кладовщик;;да;Склад;#склад;" in data


def test_the_panel_at_phone_width(new_client: NewClient, tmp_path: Path) -> None:
    client = new_client("phone", PHONE)
    client.goto("#/directory")
    client.login("admin", DEMO_PASSWORD)
    page = client.page
    shot(page, "dirio-390-ru-toolbar")
    page.get_by_test_id("import-open").click()
    page.get_by_test_id("import-file").set_input_files(
        csv_file(tmp_path, "again.csv", "+79161000019;Николаев Г. П.;;;")
    )
    expect(page.get_by_test_id("import-changed")).to_contain_text("Николаев Григорий Павлович")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing sticks out sideways
    shot(page, "dirio-390-ru-preview")
