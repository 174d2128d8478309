"""The directory as a CSV (UTF-8 with BOM, «;»-separated, as Russian Excel opens it) or XLSX file."""

from __future__ import annotations

import csv
import io

from communicator.db.session import Database
from communicator.schemas.directory_transfer import TransferFormat, TransferLanguage
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden
from communicator.services.core.permissions import check_scope
from communicator.services.directory.transfer.columns import (
    COLUMNS,
    GROUP_SEPARATOR,
    format_bool,
    format_cell,
    format_tags,
)
from communicator.services.directory.transfer.snapshot import Person, Snapshot, load_snapshot
from communicator.xlsx import SheetWriter

CSV_DELIMITER = ";"
_SHEET = {"ru": "Справочник", "en": "Directory"}


def check_may_transfer(actor: Actor, scope: str) -> None:
    """Only an Administrator (or a token of theirs with the scope) exports or imports the whole directory."""
    check_scope(actor, scope)
    if not actor.is_admin:
        raise Forbidden("Only an Administrator may export or import the directory.", code="admin_only")


async def export_directory(db: Database, actor: Actor, fmt: TransferFormat, lang: TransferLanguage) -> bytes:
    """Every employee of the account, sorted by name, one row each, as a file of the format."""
    check_may_transfer(actor, "directory:read")
    async with db.read() as session:
        snapshot = await load_snapshot(session, actor.account_id)
    header = [column.header(lang) for column in COLUMNS]
    rows = [get_export_row(person, snapshot, lang) for person in snapshot.people.values()]
    return _write_csv(header, rows) if fmt == "csv" else _write_xlsx(header, rows, lang)


def get_export_row(person: Person, snapshot: Snapshot, lang: TransferLanguage) -> list[str]:
    """One employee's cells, in the columns' order (as text, not yet neutralised)."""
    groups = sorted((snapshot.paths[g] for g in person.group_ids), key=str.casefold)
    return [
        person.phone,
        person.name,
        person.position or "",
        person.email or "",
        format_bool(person.active, lang),
        GROUP_SEPARATOR.join(groups),
        format_tags(sorted(person.tags)),
        person.operator or "",
    ]


def _write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """CSV bytes; every cell neutralised (a leading apostrophe on formula-like text)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([format_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _write_xlsx(header: list[str], rows: list[list[str]], lang: TransferLanguage) -> bytes:
    """XLSX bytes through SheetWriter (which neutralises the cells itself)."""
    out = io.BytesIO()
    with SheetWriter(out, header, sheet_name=_SHEET[lang]) as sheet:
        for row in rows:
            sheet.write_row(list(row))
    return out.getvalue()
