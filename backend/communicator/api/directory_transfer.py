"""Directory export and import (CSV, XLSX): GET /api/v1/directory/export, POST /api/v1/directory/import."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from communicator.db.session import Database
from communicator.schemas.directory_transfer import ImportReport, TransferFormat, TransferLanguage
from communicator.services.core.actors import Actor
from communicator.services.directory.transfer.export_file import export_directory
from communicator.services.directory.transfer.import_file import apply_import, preview_import
from communicator.services.directory.transfer.read_file import MAX_IMPORT_BYTES

MEDIA_TYPES = {
    "csv": "text/csv",  # Litestar adds "; charset=utf-8" to a text type
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Format = Annotated[TransferFormat, QueryParameter(name="format")]
Language = Annotated[TransferLanguage, QueryParameter()]


class DirectoryTransferController(Controller):
    """/api/v1/directory"""

    path = "/api/v1/directory"
    tags = ["directory"]  # noqa: RUF012 (Litestar reads it as a plain attribute, as in api/directory.py)

    @get("/export", operation_id="exportDirectory", opt={"scope": "directory:read"})
    async def export_directory(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], fmt: Format = "csv", lang: Language = "ru"
    ) -> Response[bytes]:
        """Every employee as a CSV (UTF-8 with BOM, «;»-separated) or XLSX file, headers in `lang` (Administrators)."""
        body = await export_directory(db, actor, fmt, lang)
        name = f"directory-{date.today().isoformat()}.{fmt}"
        disposition = f'attachment; filename="{name}"'
        return Response(body, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})

    @post(
        "/import",
        operation_id="importDirectory",
        opt={"scope": "directory:write"},
        status_code=200,
        request_max_body_size=MAX_IMPORT_BYTES,
    )
    async def import_directory(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        request: Request,
        fmt: Annotated[TransferFormat | None, QueryParameter(name="format")] = None,
        apply: Annotated[bool, QueryParameter()] = False,
        plan: Annotated[str | None, QueryParameter(max_length=64)] = None,
        lang: Language = "ru",
    ) -> ImportReport:
        """The file as the raw body: a preview (apply=false), or applied all or nothing (pass the preview's plan)."""
        data = await request.body()
        if apply:
            return await apply_import(db, actor, data, fmt, lang, plan)
        return await preview_import(db, actor, data, fmt, lang)
