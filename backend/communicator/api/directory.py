"""Employees and groups."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas import (
    EmployeeCreate,
    EmployeeRead,
    EmployeeUpdate,
    GroupCreate,
    GroupRead,
    GroupUpdate,
    TagRead,
)
from communicator.services.core.actors import Actor
from communicator.services.directory import employees, groups, tag_list


class EmployeeController(Controller):
    """/api/v1/employees"""

    path = "/api/v1/employees"
    tags = ["directory"]

    @get("/", operation_id="listEmployees", opt={"scope": "directory:read"})
    async def list_employees(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[EmployeeRead]]:
        """The employees the caller may see."""
        return {"items": await employees.list_employees(db, actor)}

    @post("/", operation_id="createEmployee", opt={"scope": "directory:write"})
    async def create_employee(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[EmployeeCreate]
    ) -> EmployeeRead:
        """Add an employee."""
        return await employees.create_employee(db, actor, data)

    @patch("/{employee_id:int}", operation_id="updateEmployee", opt={"scope": "directory:write"})
    async def update_employee(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        employee_id: PathId,
        data: JSONBody[EmployeeUpdate],
    ) -> EmployeeRead:
        """Change or deactivate an employee."""
        return await employees.update_employee(db, actor, employee_id, data)


class GroupController(Controller):
    """/api/v1/groups"""

    path = "/api/v1/groups"
    tags = ["directory"]

    @get("/", operation_id="listGroups", opt={"scope": "directory:read"})
    async def list_groups(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[GroupRead]]:
        """The groups the caller may see."""
        return {"items": await groups.list_groups(db, actor)}

    @post("/", operation_id="createGroup", opt={"scope": "directory:write"})
    async def create_group(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[GroupCreate]
    ) -> GroupRead:
        """Add a group."""
        return await groups.create_group(db, actor, data)

    @patch("/{group_id:int}", operation_id="updateGroup", opt={"scope": "directory:write"})
    async def update_group(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        group_id: PathId,
        data: JSONBody[GroupUpdate],
    ) -> GroupRead:
        """Change a group."""
        return await groups.update_group(db, actor, group_id, data)

    @delete("/{group_id:int}", operation_id="deleteGroup", opt={"scope": "directory:write"})
    async def delete_group(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], group_id: PathId
    ) -> None:
        """Delete a group (its messages stay)."""
        await groups.delete_group(db, actor, group_id)


class TagController(Controller):
    """/api/v1/tags"""

    path = "/api/v1/tags"
    tags = ["directory"]

    @get("/", operation_id="listTags", opt={"scope": "directory:read"})
    async def list_tags(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> dict[str, list[TagRead]]:
        """The tags employees subscribe to, with their subscriber counts."""
        return {"items": await tag_list.list_tags(db, actor)}
