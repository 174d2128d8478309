"""Exports to Excel (docs/exports.md): start a background job, follow it, download its file."""

from __future__ import annotations

from pathlib import Path

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import File

from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas.exports import ExportRead
from communicator.schemas.search import SearchFilters
from communicator.services.core.actors import Actor
from communicator.services.messaging import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportController(Controller):
    """/api/v1/exports"""

    path = "/api/v1/exports"
    tags = ["exports"]

    @post("/", operation_id="startExport", status_code=202, opt={"scope": "messages:read"})
    async def start_export(
        self,
        request: Request,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        data: JSONBody[SearchFilters],
    ) -> ExportRead:
        """Export what the caller may see under the search filters (none: everything) to .xlsx in the background."""
        settings = request.app.state.settings
        job = await exports.start_export(db, actor, data, settings.export_max_running)
        if request.app.state.get("export_runner") is not None:
            request.app.state.export_runner.wake()
        return job

    @get("/", operation_id="listExports", opt={"scope": "messages:read"})
    async def list_exports(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> list[ExportRead]:
        """The caller's recent exports, newest first."""
        return await exports.list_exports(db, actor)

    @get("/{export_id:int}", operation_id="getExport", opt={"scope": "messages:read"})
    async def get_export(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], export_id: PathId
    ) -> ExportRead:
        """One of the caller's exports: running, done or failed; rows written of total."""
        return await exports.get_export(db, actor, export_id)

    @get("/{export_id:int}/file", operation_id="getExportFile", opt={"scope": "messages:read"})
    async def get_export_file(
        self, request: Request, db: NamedDependency[Database], actor: NamedDependency[Actor], export_id: PathId
    ) -> File:
        """The finished export as .xlsx (409 while it runs)."""
        directory = Path(request.app.state.settings.export_dir)
        path = await exports.get_export_file(db, actor, export_id, directory)
        return File(path, filename=f"communicator-export-{export_id}.xlsx", media_type=XLSX)
