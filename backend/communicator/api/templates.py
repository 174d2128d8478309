"""/api/v1/templates: message templates (Administrators keep them; whoever sends lists and renders them)."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.params import PathId
from communicator.db.session import Database
from communicator.schemas import (
    TemplateCreate,
    TemplatePreviewRequest,
    TemplateRead,
    TemplateRendered,
    TemplateRenderRequest,
    TemplateUpdate,
)
from communicator.services.core.actors import Actor
from communicator.services.messaging import templates


class TemplateController(Controller):
    """/api/v1/templates"""

    path = "/api/v1/templates"
    tags = ["templates"]

    @get("/", operation_id="listTemplates", opt={"scope": "messages:send"})
    async def list_templates(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor]
    ) -> dict[str, list[TemplateRead]]:
        """The account's templates, by name."""
        return {"items": await templates.list_templates(db, actor)}

    @get("/{template_id:int}", operation_id="getTemplate", opt={"scope": "messages:send"})
    async def get_template(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], template_id: PathId
    ) -> TemplateRead:
        """One template."""
        return await templates.get_template(db, actor, template_id)

    @post("/", operation_id="createTemplate")
    async def create_template(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], data: JSONBody[TemplateCreate]
    ) -> TemplateRead:
        """Add a template (422 naming the problem when its text does not render)."""
        return await templates.create_template(db, actor, data)

    @patch("/{template_id:int}", operation_id="updateTemplate")
    async def update_template(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        template_id: PathId,
        data: JSONBody[TemplateUpdate],
    ) -> TemplateRead:
        """Rename a template or change its text."""
        return await templates.update_template(db, actor, template_id, data)

    @delete("/{template_id:int}", operation_id="deleteTemplate")
    async def delete_template(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], template_id: PathId
    ) -> None:
        """Delete a template."""
        await templates.delete_template(db, actor, template_id)

    @post("/{template_id:int}/render", operation_id="renderTemplate", status_code=200, opt={"scope": "messages:send"})
    async def render_template(
        self,
        db: NamedDependency[Database],
        actor: NamedDependency[Actor],
        template_id: PathId,
        data: JSONBody[TemplateRenderRequest],
    ) -> TemplateRendered:
        """The template filled with the values: text, SMS parts, encoding and the variables left empty."""
        return await templates.render_template(db, actor, template_id, data.variables)

    @post("/render", operation_id="previewTemplate", status_code=200, opt={"scope": "messages:send"})
    async def preview_template(
        self, actor: NamedDependency[Actor], data: JSONBody[TemplatePreviewRequest]
    ) -> TemplateRendered:
        """An unsaved template text filled with the values (the editor's preview)."""
        return await templates.render_text(actor, data.body, data.variables)
