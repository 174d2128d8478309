"""Constrained field types shared by the API structs."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

Color = Annotated[str, Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
# Free text stored in a 200-character column (a user's display name, an e-mail, a position).
ShortText = Annotated[str, Meta(max_length=200)]
# Ids must fit their column: INTEGER for the directory, users, tokens and threads; BIGINT for messages,
# deliveries, events and the audit log. A larger one is refused as input, never sent to the database
# (api/params.py bounds path and query parameters with the same limits).
ID_MAX = 2**31 - 1
BIG_ID_MAX = 2**63 - 1
Id = Annotated[int, Meta(ge=1, le=ID_MAX)]
BigId = Annotated[int, Meta(ge=1, le=BIG_ID_MAX)]
# A read mark: 0 means "nothing yet".
BigCursor = Annotated[int, Meta(ge=0, le=BIG_ID_MAX)]
Phone = Annotated[str, Meta(min_length=1, max_length=40)]
# A tag name without '#': letters, digits, '_' or '-' in any script (SPEC §3).
TagName = Annotated[str, Meta(pattern=r"^#?[\w-]{1,100}$")]
Login = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^\s]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Plan = Literal["Company", "Employee"]
# An IANA zone name ("Europe/Moscow"); the account service checks that it exists.
TimeZone = Annotated[str, Meta(min_length=1, max_length=64)]
Scope = Literal["messages:send", "messages:read", "directory:read", "directory:write"]
# An operator code (MTS, MegaFon, Beeline, T2) or another operator's name, as the numbering plan stores it.
OperatorCode = Annotated[str, Meta(max_length=40)]
