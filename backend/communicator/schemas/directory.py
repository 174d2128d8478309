"""Login, users, employees, tags and groups as the API carries them."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from communicator.domain import Role
from communicator.schemas.types import Color, Id, Login, Name, OperatorCode, Password, Phone, ShortText, TagName


class LoginRequest(Struct, forbid_unknown_fields=True):
    """Credentials for the web login."""

    login: Annotated[str, Meta(min_length=1, max_length=100)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class UserRead(Struct, kw_only=True):
    """The logged-in user."""

    id: int
    login: str
    role: Role
    account_id: int
    account_name: str
    employee_id: int | None
    name: str
    may_send_all: bool = True
    platform_admin: bool = False
    account_timezone: str = "Europe/Moscow"  # the zone a scheduled send's local time is in


class EmployeeCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new employee."""

    name: Name
    phone: Phone
    email: ShortText | None = None
    position: ShortText | None = None
    group_ids: list[Id] = []
    tags: list[TagName] = []
    web_access: bool = False
    role: Role | None = None
    login: Login | None = None
    password: Password | None = None
    # The operator an admin knows the number moved to; empty or null: detect it from the numbering plan.
    operator_override: OperatorCode | None = None


class EmployeeUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to an employee; absent fields stay as they are."""

    name: Name | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    email: ShortText | None | UnsetType = UNSET
    position: ShortText | None | UnsetType = UNSET
    group_ids: list[Id] | UnsetType = UNSET
    tags: list[TagName] | UnsetType = UNSET
    web_access: bool | UnsetType = UNSET
    role: Role | None | UnsetType = UNSET
    login: Login | None | UnsetType = UNSET
    password: Password | None | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    operator_override: OperatorCode | None | UnsetType = UNSET


class EmployeeRead(Struct, kw_only=True):
    """An employee as the directory shows it."""

    id: int
    name: str
    phone: str
    email: str | None
    position: str | None
    active: bool
    group_ids: list[int]
    web_access: bool
    role: Role | None
    login: str | None
    operator: str | None
    reply_capable: bool
    tags: list[str] = []
    operator_override: str | None = None


class TagRead(Struct, kw_only=True):
    """A tag with subscribers: how many the caller may see still get it, and which external contacts left it."""

    tag: str
    subscribers: int  # active employees, plus external contacts still subscribed (everyone-reaching callers only)
    opted_out: list[int] = []  # the contacts that sent «СТОП» (everyone-reaching callers only): «2 отписались»


class GroupCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new group."""

    name: Name
    color: Color = "#4a90d9"
    parent_id: Id | None = None
    member_ids: list[Id] = []


class GroupUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to a group; absent fields stay as they are."""

    name: Name | UnsetType = UNSET
    color: Color | UnsetType = UNSET
    parent_id: Id | None | UnsetType = UNSET
    member_ids: list[Id] | UnsetType = UNSET


class GroupRead(Struct, kw_only=True):
    """A group with its direct members and the count including nested groups."""

    id: int
    name: str
    color: str
    parent_id: int | None
    member_ids: list[int]
    member_count: int
