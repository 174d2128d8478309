"""Tag subscriptions: the queries for who subscribes to which tag (sending, permissions, the tag list). docs/tags.md."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from communicator.db.models import Contact, ContactTag, Employee, EmployeeTag, Tag


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


def select_contact_subscribers(
    account_id: int, tags: Iterable[str] | None = None, opted_out: bool | None = False
) -> Select[str, int, str]:
    """(tag, contact_id, phone) of external contacts subscribed to these tags: those still in, those who left (None: both)."""
    query = (
        select(ContactTag.tag, ContactTag.contact_id, Contact.phone)
        .join(Contact, Contact.id == ContactTag.contact_id)
        .where(ContactTag.account_id == account_id)
    )
    if tags is not None:
        query = query.where(ContactTag.tag.in_(list(tags)))
    if opted_out is None:
        return query
    left = ContactTag.opted_out_at.is_not(None) if opted_out else ContactTag.opted_out_at.is_(None)
    return query.where(left)


def select_tag_ids(account_id: int, names: Iterable[str]) -> Select[int]:
    """The ids of the account's tags with these (normalized) names."""
    return select(Tag.id).where(Tag.account_id == account_id, Tag.name.in_(list(names)))
