"""Operator detection: the registry CSV, the range index, import, override, fallback, per-operator counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import func, select, update

from communicator.cli import main
from communicator.db.models import Delivery, Employee, NumberingRange
from communicator.db.session import Database
from communicator.domain import DeliveryStatus, Role
from communicator.schemas import EmployeeCreate, EmployeeUpdate, MessageCreate, Recipients
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput
from communicator.services.directory import numbering
from communicator.services.directory.employees import create_employee, update_employee
from communicator.services.messaging.operator_counts import list_operator_counts
from communicator.services.messaging.send import send_message
from communicator.sms.numbering import RangeIndex, get_operator_code, lookup_carrier, parse_registry
from communicator.sms.phones import detect_operator

SAMPLE = Path(__file__).parent / "data" / "def_sample.csv"


@pytest.fixture(autouse=True)
def fresh_numbering() -> Iterator[None]:
    """Each test starts with an empty plan in memory and MTS as the only reply-capable operator."""
    state = numbering._STATE
    saved = (state.index, state.version, state.reply_operators)
    state.index, state.version, state.reply_operators = RangeIndex(), None, frozenset({"MTS"})
    yield
    state.index, state.version, state.reply_operators = saved


def test_sample_parses_in_utf8_and_cp1251_alike() -> None:
    utf8 = parse_registry(SAMPLE.read_bytes())
    cp1251 = parse_registry(SAMPLE.read_text(encoding="utf-8").encode("cp1251"))
    assert utf8.errors == [] and utf8.lines == 10 and len(utf8.ranges) == 10
    assert cp1251.ranges == utf8.ranges
    assert {r.operator for r in utf8.ranges} == {"MTS", "MegaFon", "Beeline", "T2", "Скартел", "Ростелеком"}
    assert utf8.ranges[0].region == "г. Москва и Московская область"


def test_bad_lines_are_reported_by_number_and_skipped() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:2] + [
        "9x1;0000000;0000009;10;ООО Ромашка;Регион;;1",  # code not a number
        "902;0000010;0000001;10;ООО Ромашка;Регион;;1",  # reversed
        "902;0000000;0000009;11;ООО Ромашка;Регион;;1",  # capacity does not match
        "902;0000000;0000009;10;;Регион;;1",  # no operator
        "",  # blank lines are not errors
        "902;0000000",  # too short
        "902;0000100;0000199;100;ООО Ромашка;Регион;;1",
    ]
    parsed = parse_registry("\n".join(lines).encode("cp1251"))
    assert [e.split(":")[0] for e in parsed.errors] == ["line 3", "line 4", "line 5", "line 6", "line 8"]
    assert "capacity 11" in parsed.errors[2]
    assert [r.operator for r in parsed.ranges] == ["T2", "Ромашка"]
    assert parsed.lines == 7


def test_a_file_without_the_columns_is_refused() -> None:
    parsed = parse_registry("Код;Начало\n900;1\n".encode())
    assert parsed.ranges == [] and "АВС/ DEF" in parsed.errors[0]


def test_operators_by_inn_then_by_name() -> None:
    assert get_operator_code("что угодно", "7740000076") == "MTS"
    assert get_operator_code('ПАО "МегаФон"', "") == "MegaFon"
    assert get_operator_code("ПАО «Вымпел-Коммуникации»", "") == "Beeline"
    assert get_operator_code('ООО "Т2 Мобайл"', "") == "T2"
    assert get_operator_code('ООО "Скартел"', "7701725181") == "Скартел"


@pytest.mark.parametrize(
    ("phone", "operator"),
    [
        ("+79000000000", "T2"),  # the first number of the first range
        ("+79000061999", "T2"),  # its last
        ("+79000062000", None),  # one past it: a gap
        ("+79010099999", "T2"),  # the last of one range ...
        ("+79010100000", "MTS"),  # ... and the first of the next, adjacent
        ("+79010199999", "MTS"),
        ("+79010200000", None),
        ("+79169999999", "MTS"),
        ("+78999999999", None),  # before every range
        ("+79999999999", None),  # after every range
        ("+79585050000", "Ростелеком"),
    ],
)
def test_lookup_at_range_edges(phone: str, operator: str | None) -> None:
    index = RangeIndex(parse_registry(SAMPLE.read_bytes()).ranges)
    assert index.lookup(phone) == operator


def test_carrier_fallback_agrees_with_phonenumbers() -> None:
    for phone in ("+79031234567", "+79261234567", "+79501234567", "+79161234567", "+74951234567"):
        assert lookup_carrier(phone) == detect_operator(phone)
    # The plan is empty here: 916 (MTS) is unknown to phonenumbers, 926 comes from its carrier data.
    assert numbering.get_operator("+79161234567") is None
    assert numbering.get_operator("+79261234567") == "MegaFon"
    assert numbering.get_operator("+79261234567", "MTS") == "MTS"


async def test_import_replaces_the_plan_atomically(db: Database) -> None:
    report = await numbering.import_numbering(db, SAMPLE.read_bytes(), "def.csv")
    assert (report.ranges, report.lines, report.error_count) == (10, 10, 0)
    assert numbering.get_operator("+79161234567") == "MTS"  # the index was reloaded
    smaller = "\n".join(SAMPLE.read_text(encoding="utf-8").splitlines()[:2] + ["bad;line"]).encode("cp1251")
    report = await numbering.import_numbering(db, smaller)
    assert (report.ranges, report.error_count) == (1, 1) and report.errors[0].startswith("line 3")
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(NumberingRange)) == 1
    assert numbering.get_operator("+79161234567") is None
    with pytest.raises(InvalidInput) as refused:
        await numbering.import_numbering(db, b"garbage")
    assert refused.value.code == "numbering_empty"
    async with db.read() as session:  # a refused file changes nothing
        assert await session.scalar(select(func.count()).select_from(NumberingRange)) == 1


async def test_another_process_import_is_picked_up(db: Database) -> None:
    await numbering.import_numbering(db, SAMPLE.read_bytes())
    numbering._STATE.index, numbering._STATE.version = RangeIndex(), None
    assert numbering.get_operator("+79161234567") is None
    assert await numbering.load_numbering(db) is True
    assert await numbering.load_numbering(db) is False  # unchanged: not reloaded
    assert numbering.get_operator("+79161234567") == "MTS"


async def test_override_send_and_counts(db: Database, admin: Actor) -> None:
    await numbering.import_numbering(db, SAMPLE.read_bytes())
    await _check_override_and_reply_capable(db, admin)
    numbering.configure_reply_operators(("MTS",))
    async with db.write() as session:  # one employee whose number moved
        await session.execute(
            update(Employee).where(Employee.account_id == admin.account_id).values(operator_override=None)
        )
    moved = await create_employee(
        db, admin, EmployeeCreate(name="Перенос", phone="+79161110000", operator_override="T2")
    )
    phones = ["+79161234567", "+79161234568", "+79261234567", "+79031234567", "+79990550000", "+74951234567"]
    message = await send_message(
        db, admin, MessageCreate(text="Привет", recipients=Recipients(numbers=phones, employees=[moved.id]))
    )
    async with db.read() as session:
        stored = dict(
            (
                await session.execute(
                    select(Delivery.phone, Delivery.operator).where(Delivery.message_id == message.id)
                )
            ).all()
        )
    assert stored == {
        "+79161234567": "MTS",
        "+79161234568": "MTS",
        "+79261234567": "MegaFon",
        "+79031234567": "Beeline",
        "+79990550000": "Скартел",
        "+74951234567": None,
        "+79161110000": "T2",
    }
    await _set_status(db, "+79161234567", DeliveryStatus.DELIVERED)
    await _set_status(db, "+79161234568", DeliveryStatus.NOT_DELIVERED)
    await _set_status(db, "+79261234567", DeliveryStatus.SENT)
    counts = await list_operator_counts(db, admin)
    by_operator = {item.operator: item for item in counts.items}
    assert counts.day == datetime.now(UTC).date().isoformat()
    assert (by_operator["MTS"].sent, by_operator["MTS"].delivered, by_operator["MTS"].failed) == (2, 1, 1)
    assert (by_operator["MegaFon"].sent, by_operator["MegaFon"].pending) == (1, 0)
    assert (by_operator["unknown"].pending, by_operator["T2"].pending) == (1, 1)
    assert counts.items[0].operator == "MTS"  # busiest first
    yesterday = await list_operator_counts(db, admin, datetime.now(UTC).date() - timedelta(days=1))
    assert yesterday.items == []
    with pytest.raises(Forbidden):  # administrators only
        await list_operator_counts(db, msgspec.structs.replace(admin, role=Role.OPERATOR))


async def _check_override_and_reply_capable(db: Database, admin: Actor) -> None:
    """An override wins over the plan; reply_capable follows the configured operators."""
    new = EmployeeCreate(name="Иван Перенос", phone="+79161112233", operator_override="MegaFon")
    read = await create_employee(db, admin, new)
    assert (read.operator, read.operator_override, read.reply_capable) == ("MegaFon", "MegaFon", False)
    read = await update_employee(db, admin, read.id, EmployeeUpdate(operator_override=None))
    assert (read.operator, read.operator_override, read.reply_capable) == ("MTS", None, True)
    numbering.configure_reply_operators(("MTS", "MegaFon"))
    read = await update_employee(db, admin, read.id, EmployeeUpdate(operator_override="MegaFon"))
    assert (read.operator, read.reply_capable) == ("MegaFon", True)
    numbering.configure_reply_operators(("Beeline",))
    read = await update_employee(db, admin, read.id, EmployeeUpdate(name="Иван П."))
    assert read.reply_capable is False


async def _set_status(db: Database, phone: str, status: DeliveryStatus) -> None:
    async with db.write() as session:
        await session.execute(update(Delivery).where(Delivery.phone == phone).values(status=status))


def test_cli_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COMMUNICATOR_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    assert main(["numbering", "import", str(SAMPLE)]) == 0
    assert "10 ranges from 10 lines, 0 lines skipped" in capsys.readouterr().out
    assert main(["numbering", "import", str(tmp_path / "nope.csv")]) == 1
    assert "Cannot read" in capsys.readouterr().err
