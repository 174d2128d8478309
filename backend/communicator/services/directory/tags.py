"""Tag subscriptions: the one query for who subscribes to which tag (sending, permissions, the tag list)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from communicator.db.models import Employee, EmployeeTag


def select_tag_subscribers(
    account_id: int, tags: Iterable[str] | None = None, active_only: bool = True
) -> Select[str, int]:
    """(tag, employee_id) of the account's subscriptions to these tags (every tag when None)."""
    query = select(EmployeeTag.tag, EmployeeTag.employee_id).where(EmployeeTag.account_id == account_id)
    if tags is not None:
        query = query.where(EmployeeTag.tag.in_(list(tags)))
    if active_only:
        query = query.join(Employee, Employee.id == EmployeeTag.employee_id).where(Employee.active.is_(True))
    return query
