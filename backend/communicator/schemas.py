"""msgspec structs crossing the API: Create / Update (UNSET when absent) / Read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

Role = Literal["Administrator", "Operator", "BaseUser"]
Status = Literal["Pending", "Sending", "Sent", "NotSent", "Delivered", "NotDelivered", "TimedOut", "Error", "Cancelled"]
Color = Annotated[str, Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Id = Annotated[int, Meta(ge=1)]
# A tag name without '#': letters, digits, '_' or '-' in any script (SPEC §3).
TagName = Annotated[str, Meta(pattern=r"^#?[\w-]{1,100}$")]
Login = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^\s]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Plan = Literal["Company", "Employee"]
Scope = Literal["messages:send", "messages:read", "directory:read", "directory:write"]


class LoginRequest(Struct, forbid_unknown_fields=True):
    """Credentials for the web login."""

    login: Annotated[str, Meta(min_length=1, max_length=100)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class UserRead(Struct):
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


class EmployeeCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new employee."""

    name: Name
    phone: Annotated[str, Meta(min_length=1, max_length=40)]
    email: str | None = None
    position: str | None = None
    group_ids: list[Id] = []
    tags: list[TagName] = []
    web_access: bool = False
    role: Role | None = None
    login: str | None = None
    password: str | None = None


class EmployeeUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to an employee; absent fields stay as they are."""

    name: Name | UnsetType = UNSET
    phone: Annotated[str, Meta(min_length=1, max_length=40)] | UnsetType = UNSET
    email: str | None | UnsetType = UNSET
    position: str | None | UnsetType = UNSET
    group_ids: list[Id] | UnsetType = UNSET
    tags: list[TagName] | UnsetType = UNSET
    web_access: bool | UnsetType = UNSET
    role: Role | None | UnsetType = UNSET
    login: str | None | UnsetType = UNSET
    password: str | None | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class EmployeeRead(Struct):
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


class TagRead(Struct):
    """A tag employees subscribe to, with how many active subscribers the caller may see."""

    tag: str
    subscribers: int


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


class GroupRead(Struct):
    """A group with its direct members and the count including nested groups."""

    id: int
    name: str
    color: str
    parent_id: int | None
    member_ids: list[int]
    member_count: int


class Recipients(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who a message goes to: any mix of employees, groups, tag subscribers and raw numbers."""

    employees: list[int] = []
    groups: list[int] = []
    numbers: list[str] = []
    tags: list[TagName] = []


class MessageCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A message to send."""

    text: str
    recipients: Recipients


class InboundCreate(Struct, forbid_unknown_fields=True, kw_only=True, rename={"sender": "from"}):
    """An SMS typed on a virtual phone (simulator only)."""

    sender: Annotated[str, Meta(min_length=1, max_length=40)]
    text: Annotated[str, Meta(min_length=1, max_length=1000)]
    to: str | None = None


class Summary(Struct):
    """Counts of a message's deliveries by status."""

    total: int
    counts: dict[str, int]


class DeliveryRead(Struct):
    """One recipient of an outbound message."""

    id: int
    phone: str
    employee_id: int | None
    employee_name: str | None
    status: Status
    updated_at: datetime
    error: str | None
    possible_duplicate: bool = False


class MessageRead(Struct):
    """A message; deliveries are included only where asked for."""

    id: int
    direction: Literal["out", "in"]
    text: str
    parts: int
    encoding: str
    created_at: datetime
    author_name: str | None
    sender_phone: str | None
    employee_id: int | None
    employee_name: str | None
    reply_to_id: int | None
    summary: Summary
    deliveries: list[DeliveryRead] | None = None
    author_user_id: int | None = None


class LastMessage(Struct):
    """The preview of a thread's newest message."""

    id: int
    direction: str
    text: str
    created_at: datetime
    sender_name: str | None = None  # who wrote it: the inbound sender (name, or phone), or the outbound author
    author_user_id: int | None = None  # the outbound author's login, so the web app can say «Вы»


class ThreadRead(Struct):
    """A thread in the list."""

    id: int
    kind: Literal["employee", "group", "unknown"]
    ref_id: int | None
    title: str
    color: str | None
    last_message: LastMessage | None
    last_activity_at: datetime | None
    unread: int


class ThreadPage(Struct):
    """A page of a thread's messages, oldest first."""

    items: list[MessageRead]
    has_more: bool


class ReadMark(Struct, forbid_unknown_fields=True):
    """How far the user has read a thread."""

    last_message_id: Annotated[int, Meta(ge=0)]


class PhoneRead(Struct):
    """A virtual phone on the simulator page."""

    phone: str
    employee_id: int | None
    name: str


class PhoneMessage(Struct):
    """An SMS as a virtual phone sees it."""

    id: int
    kind: Literal["received", "sent"]
    text: str
    at: datetime
    status: str | None


class WebUserCreate(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new web login of the account (POST /api/v1/users)."""

    login: Login
    password: Password
    role: Role
    employee_id: Id | None = None
    name: str = ""


class WebUserUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to a web login; absent fields stay as they are."""

    role: Role | UnsetType = UNSET
    password: Password | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    name: str | UnsetType = UNSET


class WebUserRead(Struct):
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


class ResolvedEmployee(Struct):
    """An employee a permission set reaches."""

    id: int
    name: str
    phone: str


class PermissionsRead(Struct):
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


class AuditEntryRead(Struct):
    """One line of the audit log."""

    id: int
    at: datetime
    actor_name: str
    action: str
    target_type: str
    target_id: int | None
    target_name: str
    details: dict[str, Any]


class AuditPage(Struct):
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
    admin_name: str = ""


class AccountRead(Struct):
    """A client company."""

    id: int
    name: str
    short_number: str
    sender_names: list[str]
    plan: Plan
    created_at: datetime
    users: int
    employees: int


API_STRUCTS = (
    LoginRequest,
    UserRead,
    EmployeeCreate,
    EmployeeUpdate,
    EmployeeRead,
    GroupCreate,
    GroupUpdate,
    GroupRead,
    Recipients,
    MessageCreate,
    InboundCreate,
    Summary,
    DeliveryRead,
    MessageRead,
    LastMessage,
    ThreadRead,
    ThreadPage,
    ReadMark,
    PhoneRead,
    PhoneMessage,
    WebUserCreate,
    WebUserUpdate,
    WebUserRead,
    PermissionsUpdate,
    ResolvedEmployee,
    PermissionsRead,
    TokenCreate,
    TokenRead,
    TokenCreated,
    AuditEntryRead,
    AuditPage,
    AccountCreate,
    AccountRead,
    TagRead,
)
