"""Constrained field types shared by the API structs."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

Color = Annotated[str, Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Id = Annotated[int, Meta(ge=1)]
# A tag name without '#': letters, digits, '_' or '-' in any script (SPEC §3).
TagName = Annotated[str, Meta(pattern=r"^#?[\w-]{1,100}$")]
Login = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^\s]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Plan = Literal["Company", "Employee"]
Scope = Literal["messages:send", "messages:read", "directory:read", "directory:write"]
