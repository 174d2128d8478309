"""A mailing: one text template rendered per contact of a mailing list, sent as one action. See docs/m2m.md.

The template may use the contact's attributes, `Name` and `Msid` as variables ({{ Name }}), rendered in
jinja2's immutable sandbox (no attribute access to Python internals, no mutation).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from communicator.db.session import Database
from communicator.schemas import MessageRead
from communicator.services.core import permissions
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput
from communicator.services.directory.mailing_lists import ContactRead, list_mailing_list_contacts
from communicator.services.messaging.send import check_text
from communicator.services.messaging.send_many import group_by_text, send_texts


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    """The sandbox templates render in (autoescape off: the output is an SMS, not HTML)."""
    return ImmutableSandboxedEnvironment(autoescape=False)


def render_for(template: str, contact: ContactRead) -> str:
    """The template with the contact's variables filled in, or InvalidInput naming the template error."""
    variables = {**contact.attributes, "Name": contact.name, "Msid": contact.phone}
    try:
        return _environment().from_string(template).render(variables)
    except TemplateError as error:
        raise InvalidInput(f"The mailing text is not a valid template: {error}.", code="bad_template") from error


async def send_mailing(
    db: Database,
    actor: Actor,
    list_id: int,
    template: str,
    confirmed: bool = False,
    send_at: datetime | None = None,
    valid_minutes: int | None = None,
    sender_name: str | None = None,
) -> list[MessageRead]:
    """Render the template for every contact of the list and send each their text; all or nothing."""
    permissions.check_scope(actor, "messages:send")
    check_text(template)
    contacts = await list_mailing_list_contacts(db, actor, list_id, visible_only=False)
    if not contacts:
        raise InvalidInput(f"Mailing list {list_id} has no contacts.", code="no_recipients")
    pairs = [(contact.phone, render_for(template, contact)) for contact in contacts]
    return await send_texts(db, actor, group_by_text(pairs), confirmed, send_at, valid_minutes, sender_name)
