"""Importing a directory file: the dry run (preview), and applying it in one transaction through the services."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.session import Database
from communicator.schemas import EmployeeCreate, GroupCreate
from communicator.schemas.directory_transfer import ImportReport, TransferFormat, TransferLanguage
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import Conflict, InvalidInput
from communicator.services.directory.employees import _update_employee, record_employee
from communicator.services.directory.groups import _create_group
from communicator.services.directory.transfer.columns import PATH_SEPARATOR, path_key
from communicator.services.directory.transfer.export_file import check_may_transfer
from communicator.services.directory.transfer.plan import Plan, build_plan, get_update_fields
from communicator.services.directory.transfer.read_file import read_table
from communicator.services.directory.transfer.snapshot import Snapshot, load_snapshot


async def preview_import(
    db: Database, actor: Actor, data: bytes, fmt: TransferFormat | None, lang: TransferLanguage
) -> ImportReport:
    """What importing the file would add and change, or its problems row by row; nothing is changed."""
    check_may_transfer(actor, "directory:write")
    table = await asyncio.to_thread(read_table, data, fmt)
    async with db.read() as session:
        snapshot = await load_snapshot(session, actor.account_id)
    return (await asyncio.to_thread(build_plan, table, snapshot, lang)).report


async def apply_import(
    db: Database, actor: Actor, data: bytes, fmt: TransferFormat | None, lang: TransferLanguage, plan: str | None
) -> ImportReport:
    """Import the file in one transaction, all or nothing; `plan` (from the preview) must still be what it does."""
    check_may_transfer(actor, "directory:write")
    table = await asyncio.to_thread(read_table, data, fmt)
    async with db.write() as session:
        snapshot = await load_snapshot(session, actor.account_id)
        built = await asyncio.to_thread(build_plan, table, snapshot, lang)
        report = built.report
        if report.errors:
            count = len(report.errors)
            raise InvalidInput(f"The file has {count} error(s); nothing was changed.", report, code="import_invalid")
        if plan is not None and plan != report.plan:
            raise Conflict(
                "The directory changed since the preview; preview the file again.", report, code="import_stale"
            )
        await _apply_plan(session, actor, built, snapshot)
    report.applied = True
    return report


async def _apply_plan(session: AsyncSession, actor: Actor, plan: Plan, snapshot: Snapshot) -> None:
    """Create the groups, add and change the employees (each as its manual edit would), then one audit line."""
    ids = {key: found[0] for key, found in snapshot.ids_by_path.items() if len(found) == 1}
    for key, path in plan.new_groups.items():
        parent, _, name = path.rpartition(PATH_SEPARATOR)
        group = await _create_group(
            session, actor, GroupCreate(name=name, parent_id=ids[path_key(parent)] if parent else None)
        )
        ids[key] = group.id
    for row in plan.adds:
        values = row.values
        data = EmployeeCreate(
            name=values["name"],
            phone=row.phone,
            email=values.get("email"),
            position=values.get("position"),
            group_ids=[ids[key] for key in values.get("groups", [])],
            tags=values.get("tags", []),
            operator_override=values.get("operator"),
        )
        employee = await record_employee(session, actor, data)
        if values.get("active") is False:
            await _update_employee(session, actor, employee.id, {"active": False})
    for employee_id, changes in plan.updates:
        fields = get_update_fields(changes)
        if "group_ids" in fields:
            fields["group_ids"] = [ids[key] for key in fields["group_ids"]]
        await _update_employee(session, actor, employee_id, fields)
    report = plan.report
    details = {"added": len(report.added), "changed": len(report.changed), "new_groups": report.new_groups}
    await record_audit(session, actor, "directory.imported", ("directory", None, "import"), details)
