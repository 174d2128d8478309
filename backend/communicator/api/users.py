"""Web logins and their recipient permissions (Administrators). See docs/permissions.md."""

from __future__ import annotations

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas import (
    ApiPasswordUpdate,
    PermissionsRead,
    PermissionsUpdate,
    WebUserCreate,
    WebUserRead,
    WebUserUpdate,
)
from communicator.services.core.actors import Actor
from communicator.services.identity import api_password, users


class UserController(Controller):
    """/api/v1/users and /api/v1/permissions"""

    path = "/api/v1"
    tags = ["users"]

    @get("/users", operation_id="listUsers")
    async def list_users(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[WebUserRead]]:
        """Every web login of the account."""
        return {"items": await users.list_users(db, actor)}

    @post("/users", operation_id="createUser")
    async def create_user(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[WebUserCreate]
    ) -> WebUserRead:
        """Add a web login."""
        return await users.create_web_user(db, actor, data)

    @patch("/users/{user_id:int}", operation_id="updateUser")
    async def update_user(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        user_id: PathId,
        data: JSONBody[WebUserUpdate],
    ) -> WebUserRead:
        """Change a login's role, name, password, or deactivate it."""
        return await users.update_web_user(db, actor, user_id, data)

    @get("/users/{user_id:int}/permissions", operation_id="getPermissions")
    async def get_permissions(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], user_id: PathId
    ) -> PermissionsRead:
        """Whom the user may send to, and the employees that resolves to."""
        return await users.get_permissions(db, actor, user_id)

    @put("/users/{user_id:int}/permissions", operation_id="setPermissions")
    async def set_permissions(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        user_id: PathId,
        data: JSONBody[PermissionsUpdate],
    ) -> PermissionsRead:
        """Replace whom the user may send to."""
        return await users.apply_permissions(db, actor, user_id, data)

    @post("/permissions/preview", operation_id="previewPermissions", status_code=200)
    async def preview_permissions(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[PermissionsUpdate]
    ) -> PermissionsRead:
        """The employees a permission set would reach, without saving it."""
        return await users.preview_permissions(db, actor, data)

    @put("/users/{user_id:int}/api_password", operation_id="setApiPassword", status_code=204)
    async def set_api_password(
        self,
        request: Request,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        user_id: PathId,
        data: JSONBody[ApiPasswordUpdate],
    ) -> None:
        """Set or reset the user's M2M API password (docs/m2m.md)."""
        await api_password.apply_api_password(db, actor, user_id, data.password, request.app.state.server_secret)
