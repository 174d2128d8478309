"""Message templates: Administrators keep them, anyone who sends fills and renders them. See docs/templates.md.

Every text is checked by rendering it in the sandbox (sms/template_render.py) with its variables empty: a template
that cannot render is refused with a 422 naming the problem, at save time and again at render time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import MessageTemplate
from communicator.db.session import Database
from communicator.events import TemplateCreated, TemplateDeleted, TemplateUpdated, record_event
from communicator.schemas import TemplateCreate, TemplateRead, TemplateRendered, TemplateUpdate
from communicator.services.core.access import access_row, given_fields
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import Conflict, Forbidden, InvalidInput
from communicator.services.core.permissions import SENDING_ROLES, check_is_admin, check_scope
from communicator.sms.segments import count_segments
from communicator.sms.template_render import Rendered, TemplateProblem, get_variables, render_in_worker


def check_may_use_templates(actor: Actor) -> None:
    """Those who may send (Administrators, Operators, tokens with `messages:send`) list and render templates."""
    check_scope(actor, "messages:send")
    if actor.role not in SENDING_ROLES:
        raise Forbidden(f"The role {actor.role} may not send messages.", code="role_may_not_send")


async def check_template(body: str) -> None:
    """Refuse a template that does not render (with its variables empty) in the sandbox; 422 naming the problem."""
    await _render(body, {})


async def _render(body: str, values: Mapping[str, str]) -> Rendered:
    """The rendered text and the template's variables, or a 422 naming what is wrong with the template."""
    try:
        return await render_in_worker(body, values)
    except TemplateProblem as problem:
        raise InvalidInput(
            str(problem), {"line": problem.line, "problem": problem.message}, code=problem.code
        ) from None


def _read(row: MessageTemplate) -> TemplateRead:
    """The API view of a template."""
    return TemplateRead(
        id=row.id,
        name=row.name,
        body=row.body,
        variables=list(get_variables(row.body)),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def list_templates(db: Database, actor: Actor) -> list[TemplateRead]:
    """The account's templates, by name."""
    check_may_use_templates(actor)
    query = (
        select(MessageTemplate)
        .where(MessageTemplate.account_id == actor.account_id)
        .order_by(MessageTemplate.name, MessageTemplate.id)
    )
    async with db.read() as session:
        return [_read(row) for row in await session.scalars(query)]


async def get_template(db: Database, actor: Actor, template_id: int) -> TemplateRead:
    """One template of the account."""
    check_may_use_templates(actor)
    async with db.read() as session:
        return _read(await access_row(session, MessageTemplate, template_id, actor, "Template"))


async def create_template(db: Database, actor: Actor, data: TemplateCreate) -> TemplateRead:
    """Add a template once its text renders in the sandbox."""
    check_is_admin(actor)
    name = _check_name(data.name)
    await check_template(data.body)
    now = datetime.now(UTC)
    async with db.write() as session:
        await _check_name_free(session, actor, name, None)
        row = MessageTemplate(account_id=actor.account_id, name=name, body=data.body, created_at=now, updated_at=now)
        session.add(row)
        await session.flush()
        read = _read(row)
        await record_event(session, actor.account_id, TemplateCreated(template=read))
        await record_audit(session, actor, "template.created", ("template", row.id, name), {"body": data.body})
        return read


async def update_template(db: Database, actor: Actor, template_id: int, data: TemplateUpdate) -> TemplateRead:
    """Rename a template or change its text (checked in the sandbox first)."""
    check_is_admin(actor)
    changes = given_fields(data)
    if "name" in changes:
        changes["name"] = _check_name(changes["name"])
    if "body" in changes:
        await check_template(changes["body"])
    async with db.write() as session:
        row = await access_row(session, MessageTemplate, template_id, actor, "Template")
        if "name" in changes:
            await _check_name_free(session, actor, changes["name"], row.id)
        audited = {field: [getattr(row, field), value] for field, value in changes.items()}
        for field, value in changes.items():
            setattr(row, field, value)
        row.updated_at = datetime.now(UTC)
        await session.flush()
        read = _read(row)
        await record_event(session, actor.account_id, TemplateUpdated(template=read))
        await record_audit(session, actor, "template.updated", ("template", row.id, row.name), audited)
        return read


async def delete_template(db: Database, actor: Actor, template_id: int) -> None:
    """Delete a template (messages sent with it keep their text)."""
    check_is_admin(actor)
    async with db.write() as session:
        row = await access_row(session, MessageTemplate, template_id, actor, "Template")
        await session.execute(delete(MessageTemplate).where(MessageTemplate.id == row.id))
        await record_event(session, actor.account_id, TemplateDeleted(template_id=row.id))
        await record_audit(session, actor, "template.deleted", ("template", row.id, row.name), {})


async def render_template(db: Database, actor: Actor, template_id: int, values: Mapping[str, str]) -> TemplateRendered:
    """A stored template filled with the values: its text, SMS parts and the variables left empty."""
    template = await get_template(db, actor, template_id)
    return await render_text(actor, template.body, values)


async def render_text(actor: Actor, body: str, values: Mapping[str, str]) -> TemplateRendered:
    """A template text filled with the values (the editor previews one before it is saved)."""
    check_may_use_templates(actor)
    rendered = await _render(body, values)
    segments = count_segments(rendered.text)
    missing = [name for name in rendered.variables if not values.get(name, "").strip()]
    return TemplateRendered(text=rendered.text, parts=segments.parts, encoding=segments.encoding, missing=missing)


def _check_name(name: str) -> str:
    """The name without surrounding spaces; a blank one is refused."""
    if not name.strip():
        raise InvalidInput("The template needs a name.", code="name_empty")
    return name.strip()


async def _check_name_free(session: AsyncSession, actor: Actor, name: str, own_id: int | None) -> None:
    """Conflict when another template of the account has this name."""
    query = select(MessageTemplate.id).where(
        MessageTemplate.account_id == actor.account_id, MessageTemplate.name == name
    )
    taken = await session.scalar(query)
    if taken is not None and taken != own_id:
        raise Conflict(f"A template named «{name}» already exists.", {"name": name}, code="template_name_taken")
