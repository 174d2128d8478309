"""Contacts (numbers outside the staff) and the account's inbox settings."""

from __future__ import annotations

from litestar import Controller, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas import (
    AccountSettings,
    ContactCreate,
    ContactPromote,
    ContactRead,
    ContactResubscribe,
    ContactUpdate,
    EmployeeRead,
)
from communicator.services.core.actors import Actor
from communicator.services.directory import contacts
from communicator.services.identity import account_settings


class ContactController(Controller):
    """/api/v1/contacts"""

    path = "/api/v1/contacts"
    tags = ["directory"]

    @get("/", operation_id="listContacts", opt={"scope": "directory:read"})
    async def list_contacts(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[ContactRead]]:
        """The external contacts in the directory."""
        return {"items": await contacts.list_contacts(db, actor)}

    @post("/", operation_id="createContact", opt={"scope": "directory:write"})
    async def create_contact(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[ContactCreate]
    ) -> ContactRead:
        """Add a number to the directory as an external contact (an unknown number keeps its thread)."""
        return await contacts.create_contact(db, actor, data)

    @patch("/{contact_id:int}", operation_id="updateContact", opt={"scope": "directory:write"})
    async def update_contact(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        contact_id: PathId,
        data: JSONBody[ContactUpdate],
    ) -> ContactRead:
        """Change a contact's name or note."""
        return await contacts.update_contact(db, actor, contact_id, data)

    @post("/{contact_id:int}/resubscribe", operation_id="resubscribeContact", opt={"scope": "directory:write"})
    async def resubscribe_contact(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        contact_id: PathId,
        data: JSONBody[ContactResubscribe],
    ) -> ContactRead:
        """Undo the contact's «СТОП» for these tags (every tag it left when none are named)."""
        return await contacts.resubscribe_contact(db, actor, contact_id, data)

    @post("/{contact_id:int}/employee", operation_id="promoteContact", opt={"scope": "directory:write"})
    async def promote_contact(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        contact_id: PathId,
        data: JSONBody[ContactPromote],
    ) -> EmployeeRead:
        """Make the number an employee: its thread and past messages become theirs."""
        return await contacts.promote_contact(db, actor, contact_id, data)


class AccountSettingsController(Controller):
    """/api/v1/account/settings (web session only)"""

    path = "/api/v1/account/settings"
    tags = ["account"]

    @get("/", operation_id="getAccountSettings")
    async def get_settings(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> AccountSettings:
        """The reply window and the confirm threshold."""
        return await account_settings.get_account_settings(db, actor)

    @put("/", operation_id="updateAccountSettings")
    async def update_settings(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[AccountSettings]
    ) -> AccountSettings:
        """Change them (Administrators only)."""
        return await account_settings.update_account_settings(db, actor, data)
