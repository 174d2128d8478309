"""An import's plan: the file's rows against the directory → who is added, what changes, or the problems."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import msgspec

from communicator.schemas.directory_transfer import (
    ImportAdded,
    ImportChanged,
    ImportFieldChange,
    ImportReport,
    TransferLanguage,
)
from communicator.services.directory.transfer.columns import GROUP_SEPARATOR, format_bool, format_tags
from communicator.services.directory.transfer.group_paths import GroupResolver
from communicator.services.directory.transfer.problems import Problems
from communicator.services.directory.transfer.read_file import Table
from communicator.services.directory.transfer.rows import Row, read_header, read_rows
from communicator.services.directory.transfer.snapshot import Person, Snapshot

# Column key → the EmployeeUpdate field it sets.
_FIELDS = {"operator": "operator_override", "groups": "group_ids"}


@dataclass
class Plan:
    """The report, and what applying it does: rows to add, per-employee changes, groups to create."""

    report: ImportReport
    adds: list[Row]
    updates: list[tuple[int, dict[str, Any]]]  # employee id → changed columns (groups as path keys)
    new_groups: dict[str, str]  # path_key → path, parents before children


def build_plan(table: Table, snapshot: Snapshot, lang: TransferLanguage) -> Plan:
    """Check every row and compare the valid ones with the directory (matched by phone)."""
    problems = Problems(lang)
    groups = GroupResolver(snapshot)
    keys = read_header(table, problems)
    rows = read_rows(table, keys, groups, problems) if not problems.items else []
    plan = Plan(_report(len(table.rows)), [], [], {})
    if problems.items:
        plan.report.errors = problems.items
        return plan
    for row in rows:
        person = snapshot.people.get(row.phone)
        if person is None:
            plan.adds.append(row)
            plan.report.added.append(ImportAdded(row=row.number, phone=row.phone, name=row.values["name"]))
            continue
        changes, shown = _compare(person, row.values, snapshot, groups, lang)
        if changes:
            plan.updates.append((person.id, changes))
            changed = ImportChanged(
                row=row.number, employee_id=person.id, phone=row.phone, name=person.name, changes=shown
            )
            plan.report.changed.append(changed)
    plan.new_groups = dict(sorted(groups.new_groups.items(), key=lambda item: item[0].count("/")))
    report = plan.report
    report.unchanged = len(rows) - len(report.added) - len(report.changed)
    report.new_groups = list(plan.new_groups.values())
    report.plan = _digest(report.added, report.changed, report.new_groups)
    return plan


def _report(rows: int) -> ImportReport:
    """An empty report for a file of so many data rows."""
    return ImportReport(rows=rows, added=[], changed=[], unchanged=0, new_groups=[], errors=[], plan="", applied=False)


def _compare(
    person: Person, values: dict[str, Any], snapshot: Snapshot, groups: GroupResolver, lang: TransferLanguage
) -> tuple[dict[str, Any], list[ImportFieldChange]]:
    """The columns the row changes and each before → after; a change is what the file would show differently."""
    current = _current(person, snapshot)
    changes: dict[str, Any] = {}
    shown: list[ImportFieldChange] = []
    for key in current:
        if key not in values or (key == "active" and values[key] is None):
            continue  # a column the file lacks, and an empty «Активен», leave the field as it is
        new = [groups.display(k) for k in values[key]] if key == "groups" else values[key]
        before, after = _show(key, current[key], lang), _show(key, new, lang)
        if before != after:
            changes[key] = values[key]
            shown.append(ImportFieldChange(column=key, before=before, after=after))
    return changes, shown


def _current(person: Person, snapshot: Snapshot) -> dict[str, Any]:
    """The employee's importable fields by column key, in the columns' order (groups as their paths)."""
    return {
        "name": person.name,
        "position": person.position,
        "email": person.email,
        "active": person.active,
        "groups": [snapshot.paths[g] for g in person.group_ids],
        "tags": sorted(person.tags),
        "operator": person.operator,
    }


def _show(key: str, value: Any, lang: TransferLanguage) -> str:
    """A value as the file would hold it."""
    if value is None:
        return ""
    if key == "active":
        return format_bool(value, lang)
    if key == "groups":
        return GROUP_SEPARATOR.join(sorted(value, key=str.casefold))
    if key == "tags":
        return format_tags(value)
    return str(value)


def _digest(added: list[ImportAdded], changed: list[ImportChanged], new_groups: list[str]) -> str:
    """What applying would do, as a short digest: a plan gone stale since its preview gets another one."""
    return hashlib.sha256(msgspec.json.encode([added, changed, new_groups])).hexdigest()[:32]


def get_update_fields(changes: dict[str, Any]) -> dict[str, Any]:
    """A plan's per-employee changes as EmployeeUpdate fields (groups still as path keys)."""
    return {_FIELDS.get(key, key): value for key, value in changes.items()}
