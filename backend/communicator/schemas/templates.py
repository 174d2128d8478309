"""Message templates as the API carries them (docs/templates.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from communicator.schemas.types import Name

# The template text: Jinja2 with {{ variables }}; the sandbox limits what it may do (sms/template_render.py).
TemplateBody = Annotated[str, Meta(min_length=1, max_length=2000)]
# Values filled into a template's variables: a name (as the template spells it) to its text.
TemplateValues = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=100)], Annotated[str, Meta(max_length=1000)]],
    Meta(max_length=50),
]


class TemplateCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new template."""

    name: Name
    body: TemplateBody


class TemplateUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to a template; absent fields stay as they are."""

    name: Name | UnsetType = UNSET
    body: TemplateBody | UnsetType = UNSET


class TemplateRead(Struct, kw_only=True):
    """A template with the variables it uses, in order of first use."""

    id: int
    name: str
    body: str
    variables: list[str]
    created_at: datetime
    updated_at: datetime


class TemplateRenderRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """Values for a stored template's variables."""

    variables: TemplateValues = {}


class TemplatePreviewRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A template text not saved yet (the editor's preview), with values for its variables."""

    body: TemplateBody
    variables: TemplateValues = {}


class TemplateRendered(Struct, kw_only=True):
    """The rendered text, how it splits into SMS parts, and the variables left empty."""

    text: str
    parts: int
    encoding: str  # "GSM-7" or "UCS-2"
    missing: list[str]
