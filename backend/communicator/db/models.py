"""SQLAlchemy 2 typed models; every row of customer data carries its account_id. See docs/db.md."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from communicator.domain import DeliveryStatus, Direction, Role, ThreadKind
from communicator.sms.words import index_words

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for ids that grow fast.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC."""
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as aware UTC."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


EnumT = TypeVar("EnumT", bound=StrEnum)


class EnumText(TypeDecorator[EnumT]):
    """A StrEnum stored as its value in a VARCHAR (no database enum type, so a new value needs no migration)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[EnumT], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_result_value(self, value: str | None, dialect: Dialect) -> EnumT | None:
        """Read back as the enum's member (binding needs nothing: a member is a str)."""
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    """Declarative base."""

    type_annotation_map = {datetime: UTCDateTime}


class Account(Base):
    """A client company; everything else is scoped by it."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_number: Mapped[str] = mapped_column(String(20), default="4938")
    sender_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    plan: Mapped[str] = mapped_column(String(20), default="Company")
    created_at: Mapped[datetime] = mapped_column()
    # inbox-core: an inbound SMS nests under the last outbound to its phone only within this many hours.
    reply_window_hours: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    # inbox-core: a send of more SMS (recipients x parts) than this must be confirmed.
    confirm_threshold_sms: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    # An IANA zone: a scheduled send's naive time is read in it (docs/scheduling.md).
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow", server_default="Europe/Moscow")


class Employee(Base):
    """A person with a phone; may have no web access."""

    __tablename__ = "employees"
    __table_args__ = (UniqueConstraint("account_id", "phone"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    operator: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin when the number moved to another operator; wins over the numbering plan (docs/numbering.md).
    operator_override: Mapped[str | None] = mapped_column(String(40))


class User(Base):
    """A web login; optionally an employee's own."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(EnumText(Role, 20))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An Operator sends to everyone when set, otherwise only to the permit_* rows below.
    may_send_all: Mapped[bool] = mapped_column(Boolean, default=True)
    # Runs the platform: creates client accounts. Not a role inside an account.
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)


class PermitGroup(Base):
    """An Operator may reach this group's members (nested groups included)."""

    __tablename__ = "permit_groups"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)


class PermitEmployee(Base):
    """An Operator may reach this employee."""

    __tablename__ = "permit_employees"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)


class PermitTag(Base):
    """An Operator may reach this tag's subscribers; the tag is stored case-folded."""

    __tablename__ = "permit_tags"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class EmployeeTag(Base):
    """An employee subscribed to a tag (case-folded, without '#')."""

    __tablename__ = "employee_tags"
    __table_args__ = (Index("ix_employee_tags_tag", "account_id", "tag"),)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))


class ApiToken(Base):
    """A named API token; only its HMAC-SHA256 (keyed by the server secret) is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    # The token acts with this user's role and recipient permissions, narrowed by its scopes.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """Who changed what, when: employees, groups, users, permissions, tokens, accounts."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_account", "account_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime] = mapped_column()
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_name: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class WebSession(Base):
    """A server-side session; the cookie holds a token, the row holds its hash."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()


class Group(Base):
    """A named, coloured set of employees; may sit inside a parent group."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(7), default="#4a90d9")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))


class GroupMember(Base):
    """Direct membership of an employee in a group."""

    __tablename__ = "group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True, index=True
    )


def _search_words(context: Any) -> str:
    """The search column of a message being inserted, from its text: every insert path fills it alike."""
    return index_words(context.get_current_parameters()["text"])


class Message(Base):
    """One outbound text (to many) or one inbound SMS."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_dedup", "account_id", "smsc_id", "sender_phone", "text_hash"),
        # The unread total reads the account's newest inbound messages from the index alone.
        Index("ix_messages_inbound", "account_id", "direction", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    direction: Mapped[Direction] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Text)
    parts: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column()
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sender_phone: Mapped[str | None] = mapped_column(String(20))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id"))
    smsc_id: Mapped[str | None] = mapped_column(String(64))
    text_hash: Mapped[str | None] = mapped_column(String(64))
    # inbox-core: a reminder to the recipients of this earlier message who did not answer it.
    follow_up_of: Mapped[int | None] = mapped_column(BigId, index=True)
    # How many identical alert mails were folded into this message (docs/mail.md); the thread shows «×N».
    folded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A scheduled send's due time and the end of its validity period (docs/scheduling.md).
    send_at: Mapped[datetime | None] = mapped_column()
    valid_until: Mapped[datetime | None] = mapped_column()
    # search: the text's word stems and #tags (communicator.sms.words), indexed by FTS5 / GIN (docs/search.md).
    search_text: Mapped[str | None] = mapped_column(Text, default=_search_words)
    # gaps: the approved alphanumeric sender name it goes out from (TON 5); None: the account's short number.
    sender_name: Mapped[str | None] = mapped_column(String(11))


class MessageTarget(Base):
    """A group that an outbound message was addressed to (its group thread)."""

    __tablename__ = "message_targets"
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)


def _not_null(column: str) -> dict[str, Any]:
    """A partial index's predicate for both dialects: only the rows where the column is set."""
    clause = text(f"{column} IS NOT NULL")
    return {"postgresql_where": clause, "sqlite_where": clause}


class Delivery(Base):
    """One copy of an outbound message to one phone; the send queue's unit of work."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_queue", "status", "lease_until"),
        Index("ix_deliveries_phone", "account_id", "phone", "id"),
        Index("ix_deliveries_employee", "employee_id", "message_id"),
        # A message's delivery pages (by id) and its summary (by status) read only the index.
        Index("ix_deliveries_message_page", "message_id", "id"),
        Index("ix_deliveries_message_status", "message_id", "status"),
        # Partial: a delivery's every status change adds an entry to each index its new row belongs in.
        Index("ix_deliveries_expiry", "status", "expires_at", **_not_null("expires_at")),
        Index("ix_deliveries_smsc_id", "smsc_id", **_not_null("smsc_id")),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id"))
    phone: Mapped[str] = mapped_column(String(20))
    employee_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[DeliveryStatus] = mapped_column(EnumText(DeliveryStatus, 16))
    parts: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Pending: not claimed before this (a retry's back-off); Sending: the lease; Scheduled: the due time.
    lease_until: Mapped[datetime | None] = mapped_column()
    # Not handed to the SMSC by then: TimedOut (the message's validity period).
    expires_at: Mapped[datetime | None] = mapped_column()
    smsc_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(200))
    possible_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column()
    # The phone's operator when it was sent (billing counts per operator; docs/numbering.md).
    operator: Mapped[str | None] = mapped_column(String(40))
    # Proof of notification (docs/exports.md): set once, when the status first reaches Sent / Delivered.
    sent_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()


class Thread(Base):
    """A conversation: one per employee, per group, per contact (a number outside the staff)."""

    __tablename__ = "threads"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "ref_id"),
        # The thread list's pages, newest activity first (services/messaging/threads.py).
        Index("ix_threads_activity", "account_id", "last_message_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[ThreadKind] = mapped_column(EnumText(ThreadKind, 10))
    ref_id: Mapped[int] = mapped_column(Integer, default=0)
    last_message_id: Mapped[int | None] = mapped_column(BigId)
    last_activity_at: Mapped[datetime | None] = mapped_column()


class ThreadMessage(Base):
    """A message shown in a thread (a broadcast sits in many)."""

    __tablename__ = "thread_messages"
    # Finding a message's threads (touch_threads) must not scan every link of every thread.
    __table_args__ = (Index("ix_thread_messages_message", "message_id"),)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id"), primary_key=True)


class Event(Base):
    """A recorded event; its id is the global order browsers catch up by."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()


class ServerSecret(Base):
    """A secret the server generated for itself (when COMMUNICATOR_SECRET_KEY is unset); shared by every process."""

    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class UnroutedMessage(Base):
    """An MO no account could be chosen for (docs/inbound.md); platform admins assign it to one."""

    __tablename__ = "unrouted_messages"
    __table_args__ = (Index("ix_unrouted_dedup", "smsc_id", "sender", "text_hash"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None: the source named no short number (the Phones page).
    short_number: Mapped[str | None] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column()
    smsc_id: Mapped[str | None] = mapped_column(String(64))
    text_hash: Mapped[str] = mapped_column(String(64))
    # Set once assigned: the account's ordinary inbound message it became; the row stays for de-duplication.
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id"))


# --- numbering ---


class NumberingRange(Base):
    """One line of the regulator's numbering plan: E.164 digits start..end belong to an operator."""

    __tablename__ = "numbering_ranges"
    id: Mapped[int] = mapped_column(primary_key=True)
    start: Mapped[int] = mapped_column(BigInteger, index=True)
    end: Mapped[int] = mapped_column(BigInteger)
    operator: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(200), default="")


class NumberingImport(Base):
    """One import of the numbering plan; the newest id tells every process to reload its index."""

    __tablename__ = "numbering_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column()
    source: Mapped[str] = mapped_column(String(200), default="")
    ranges: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)


class HttpProvider(Base):
    """An account's HTTP aggregator (gateway/drivers/http.py): request templates and status mapping."""

    __tablename__ = "http_providers"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    method: Mapped[str] = mapped_column(String(8), default="POST")
    url_template: Mapped[str] = mapped_column(String(2000))
    body_type: Mapped[str] = mapped_column(String(8), default="json")
    body_template: Mapped[str] = mapped_column(Text, default="")
    auth_header: Mapped[str] = mapped_column(String(100), default="")
    auth_value: Mapped[str] = mapped_column(String(500), default="")
    id_path: Mapped[str] = mapped_column(String(200), default="")
    id_regex: Mapped[str] = mapped_column(String(200), default="")
    sender: Mapped[str] = mapped_column(String(20), default="")
    tps: Mapped[float] = mapped_column(default=50.0)
    # Delivery reports: POST /api/v1/providers/http/dlr/{dlr_token}, signed with dlr_secret (HMAC-SHA256).
    dlr_token: Mapped[str] = mapped_column(String(64), unique=True)
    dlr_secret: Mapped[str] = mapped_column(String(200))
    dlr_id_path: Mapped[str] = mapped_column(String(200), default="id")
    dlr_status_path: Mapped[str] = mapped_column(String(200), default="status")
    dlr_statuses: Mapped[dict] = mapped_column(JSON, default=dict)


# --- inbox-core ---


class MessageSeen(Base):
    """A user has read an inbound message (in whichever thread): one mark clears it everywhere."""

    __tablename__ = "message_reads"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id"), primary_key=True)


class Contact(Base):
    """A phone outside the staff: an unknown number (no name) or an external contact in the directory."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("account_id", "phone"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    # None: an unknown number, not listed in the directory; set by «Добавить в справочник».
    name: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")


# --- mail ---
# E-mail to SMS (docs/mail.md) and webhooks (docs/webhooks.md).


class MailSettings(Base):
    """An account's e-mail-to-SMS settings: who may mail, the secret address, alert hygiene."""

    __tablename__ = "mail_settings"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    # The local part's secret: anyone who knows `mail2sms-<id>-<secret>@domain` may send.
    secret: Mapped[str] = mapped_column(String(40))
    allowed_senders: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The login e-mail sends as (an Operator; the admin narrows its rights on the Users page).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # None: the server's defaults (COMMUNICATOR_MAIL_FOLD_SECONDS, COMMUNICATOR_MAIL_RATE_PER_HOUR).
    fold_seconds: Mapped[int | None] = mapped_column(Integer)
    rate_per_hour: Mapped[int | None] = mapped_column(Integer)


class MailFold(Base):
    """The latest message an alert text became; identical mails within the window fold into it."""

    __tablename__ = "mail_folds"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id"))
    first_at: Mapped[datetime] = mapped_column()


class MailReceipt(Base):
    """One accepted mail (sent or folded), counted per sender for the rate limit."""

    __tablename__ = "mail_receipts"
    __table_args__ = (Index("ix_mail_receipts_sender", "account_id", "sender", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    sender: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column()
    message_id: Mapped[int | None] = mapped_column(BigId)


class WebhookSettings(Base):
    """An account's webhook URLs (empty: off) and signing secret."""

    __tablename__ = "webhook_settings"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    inbound_url: Mapped[str] = mapped_column(String(2000), default="")
    delivery_url: Mapped[str] = mapped_column(String(2000), default="")
    survey_url: Mapped[str] = mapped_column(String(2000), default="")
    secret: Mapped[str] = mapped_column(String(80))


class WebhookOutbox(Base):
    """One webhook call to make (at least once), written in the transaction of the event that causes it."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        Index("ix_webhook_outbox_due", "status", "next_attempt_at"),
        Index("ix_webhook_outbox_account", "account_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2000))
    # The idempotency id the receiver de-duplicates by; the same on every attempt.
    webhook_id: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    lease_until: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


# --- ops ---


class GatewayLink(Base):
    """One SMSC connection of one gateway process, as that process last reported it (docs/operations.md)."""

    __tablename__ = "gateway_links"
    process: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid of the gateway process
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    tps_allowed: Mapped[float] = mapped_column()
    current_rate: Mapped[float] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


# --- m2m ---


class ApiPassword(Base):
    """A user's M2M API password: only HMAC-SHA256(server secret, its lowercase hex MD5) is stored."""

    __tablename__ = "api_passwords"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column()


class MailingList(Base):
    """A group created as an M2M mailing list (its members are the list's contacts)."""

    __tablename__ = "mailing_lists"
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)


class MailingListAttribute(Base):
    """A contact's attribute in a mailing list: a template variable of CreateMailing for that recipient."""

    __tablename__ = "mailing_list_attributes"
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))


# --- templates ---


class MessageTemplate(Base):
    """A message template of an account: text with Jinja2 {{ variables }}, rendered in a sandbox (docs/templates.md)."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("account_id", "name"),)  # also the index every account's list uses
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


# --- exports ---


class Export(Base):
    """A user's export of messages to .xlsx, run in the background (docs/exports.md)."""

    __tablename__ = "exports"
    __table_args__ = (
        Index("ix_exports_user", "user_id", "id"),
        Index("ix_exports_status", "status", "lease_until"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The SearchFilters as JSON, exactly as asked.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="running")  # running | done | failed
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    # The file's name inside COMMUNICATOR_EXPORT_DIR once done.
    file_name: Mapped[str | None] = mapped_column(String(100))
    # A runner holds a running job until then; a job whose lease ran out (its process stopped) is taken again.
    lease_until: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


# --- tags ---


class Tag(Base):
    """A #tag seen in the account (in a message, a subscription): its id is its thread's ref_id (docs/tags.md)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # Case-folded, without '#' (sms/tags.py normalize_tag).
    name: Mapped[str] = mapped_column(String(100))


class ContactTag(Base):
    """An external contact subscribed to a tag; opted_out_at is set by their «СТОП» until an admin re-subscribes them."""

    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag", "account_id", "tag"),)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    opted_out_at: Mapped[datetime | None] = mapped_column()


# --- gaps ---


class SmppBind(Base):
    """An SMPP transceiver bind an account's SMS go out through, managed on the «Шлюз» page (docs/gateway.md)."""

    __tablename__ = "smpp_binds"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    system_id: Mapped[str] = mapped_column(String(16))
    # Encrypted with a key derived from the server secret (services/operations/bind_passwords.py); never read back.
    password_sealed: Mapped[str] = mapped_column(String(200))
    system_type: Mapped[str] = mapped_column(String(13), default="")
    source_addr: Mapped[str] = mapped_column(String(21), default="")
    window: Mapped[int] = mapped_column(Integer, default=10)
    tps: Mapped[float] = mapped_column(default=100.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class DeliveryPart(Base):
    """One part of a multipart delivery at the SMSC: each part gets its own id and receipt (docs/gateway.md)."""

    __tablename__ = "delivery_parts"
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    smsc_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(EnumText(DeliveryStatus, 16))
    error: Mapped[str | None] = mapped_column(String(200))
