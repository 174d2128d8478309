"""The directory operations: mailing lists (groups), users (employees), groups."""

from __future__ import annotations

from typing import Any

from communicator.db.session import Database
from communicator.domain import Role
from communicator.m2m.codec import check_list_id
from communicator.m2m.ops_read import required
from communicator.m2m.ops_send import to_msid
from communicator.services.core.actors import Actor
from communicator.services.directory import mailing_lists as lists
from communicator.services.directory.employees import list_employees
from communicator.services.directory.groups import list_groups
from communicator.services.directory.subscribers import add_subscriber, deactivate_subscriber


def _contacts(raw: list[dict[str, Any] | None] | None) -> list[lists.ContactIn]:
    """MailingListContact values as the service takes them."""
    contacts = []
    for item in raw or []:
        if item is None:
            continue
        attributes = {a["Name"]: a["Value"] or "" for a in item["Attributes"] or [] if a and a["Name"]}
        contacts.append(lists.ContactIn(phone=item["Msid"] or "", name=item["Name"] or "", attributes=attributes))
    return contacts


async def create_mailing_list(db: Database, actor: Actor, args: dict[str, Any]) -> int:
    """CreateMailingList: a group of the contacts; its id."""
    return await lists.create_mailing_list(db, actor, args["name"] or "", _contacts(args["contacts"]))


async def get_mailing_lists(db: Database, actor: Actor, _args: dict[str, Any]) -> list[dict[str, Any]]:
    """GetMailingLists."""
    return [{"ID": item.id, "Name": item.name} for item in await lists.list_mailing_lists(db, actor)]


async def delete_mailing_lists(db: Database, actor: Actor, args: dict[str, Any]) -> None:
    """DeleteMailingLists."""
    await lists.delete_mailing_lists(
        db, actor, [check_list_id(i) for i in args["mailingListIDs"] or [] if i is not None]
    )


async def get_mailing_list_contacts(db: Database, actor: Actor, args: dict[str, Any]) -> list[dict[str, Any]]:
    """GetMailingListContacts: members with their attributes."""
    contacts = await lists.list_mailing_list_contacts(db, actor, check_list_id(required(args, "mailingListId")))
    return [
        {
            "Msid": to_msid(c.phone),
            "Name": c.name,
            "Attributes": [{"Name": k, "Value": v} for k, v in sorted(c.attributes.items())],
        }
        for c in contacts
    ]


async def set_mailing_list_contacts(db: Database, actor: Actor, args: dict[str, Any]) -> None:
    """SetMailingListContacts: replace the members and their attributes."""
    list_id = check_list_id(required(args, "mailingListId"))
    await lists.apply_mailing_list_contacts(db, actor, list_id, _contacts(args["contacts"]))


async def add_user(db: Database, actor: Actor, args: dict[str, Any]) -> int:
    """AddUser: a new employee (with a login when web access is enabled); its id."""
    role = Role(args["accessLevel"] or "BaseUser") if args["webAccessEnabled"] else None
    read = await add_subscriber(
        db, actor, args["userName"] or "", args["userMSID"] or "", args["userEmail"], role, args["userGroupId"] or 0
    )
    return read.id


async def get_users(db: Database, actor: Actor, _args: dict[str, Any]) -> list[dict[str, Any]]:
    """GetUsers: the active employees the caller may see."""
    return [
        {
            "Name": e.name,
            "Msid": to_msid(e.phone),
            "Email": e.email,
            "GroupID": e.group_ids[0] if e.group_ids else 0,
            "WebAccessEnabled": e.web_access,
            "AccessLevel": (e.role or Role.BASE_USER).value,
        }
        for e in await list_employees(db, actor)
        if e.active
    ]


async def delete_user(db: Database, actor: Actor, args: dict[str, Any]) -> None:
    """DeleteUser: deactivate the employee with this msid."""
    await deactivate_subscriber(db, actor, args["msid"] or "")


async def get_groups(db: Database, actor: Actor, _args: dict[str, Any]) -> list[dict[str, Any]]:
    """GetGroups: ID, name and colour as an RGB integer."""
    return [
        {"ID": g.id, "Name": g.name, "Color": int(g.color.lstrip("#") or "0", 16)} for g in await list_groups(db, actor)
    ]
