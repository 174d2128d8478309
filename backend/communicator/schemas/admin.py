"""Web users, permissions, API tokens, the audit log and client accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from communicator.domain import Role
from communicator.schemas.types import Id, Login, Name, Password, Plan, Scope, ShortText, TagName, TimeZone


class WebUserCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new web login of the account (POST /api/v1/users)."""

    login: Login
    password: Password
    role: Role
    employee_id: Id | None = None
    name: ShortText = ""


class WebUserUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to a web login; absent fields stay as they are."""

    role: Role | UnsetType = UNSET
    password: Password | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    name: ShortText | UnsetType = UNSET


class ApiPasswordUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A user's new M2M API password (M2M clients send its MD5; only a keyed hash of that is stored)."""

    password: Password


class WebUserRead(Struct, kw_only=True):
    """A web login as the admin's users page shows it."""

    id: int
    login: str
    name: str
    role: Role
    employee_id: int | None
    active: bool
    may_send_all: bool


class PermissionsUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Whom an Operator may send to: everyone, or the listed groups, employees and tag subscribers."""

    all: bool = False
    groups: list[Id] = []
    employees: list[Id] = []
    tags: list[TagName] = []


class ResolvedEmployee(Struct, kw_only=True):
    """An employee a permission set reaches."""

    id: int
    name: str
    phone: str


class PermissionsRead(Struct, kw_only=True):
    """A user's permissions and exactly which employees they resolve to."""

    all: bool
    groups: list[int]
    employees: list[int]
    tags: list[str]
    resolved: list[ResolvedEmployee]


class TokenCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new API token."""

    name: Name
    scopes: Annotated[list[Scope], Meta(min_length=1)]


class TokenRead(Struct, kw_only=True):
    """An API token without its secret."""

    id: int
    name: str
    scopes: list[str]
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead, kw_only=True):
    """A token just created: the only time its secret is shown."""

    token: str


class AuditEntryRead(Struct, kw_only=True):
    """One line of the audit log."""

    id: int
    at: datetime
    actor_name: str
    action: str
    target_type: str
    target_id: int | None
    target_name: str
    details: dict[str, Any]


class AuditPage(Struct, kw_only=True):
    """A page of the audit log, newest first."""

    items: list[AuditEntryRead]
    has_more: bool


class AccountCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new client company with its first Administrator (platform admin only)."""

    name: Name
    short_number: Annotated[str, Meta(pattern=r"^\d{3,15}$")]
    sender_names: list[Annotated[str, Meta(min_length=1, max_length=11)]] = []
    plan: Plan = "Company"
    admin_login: Login
    admin_password: Password
    admin_name: ShortText = ""
    timezone: TimeZone = "Europe/Moscow"


class AccountUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """What a platform admin may change in a client company."""

    timezone: TimeZone


class AccountRead(Struct, kw_only=True):
    """A client company."""

    id: int
    name: str
    short_number: str
    sender_names: list[str]
    plan: Plan
    created_at: datetime
    users: int
    employees: int
    timezone: str = "Europe/Moscow"
