"""Integrations: the numbering plan, HTTP providers, e-mail, webhooks, gateway links, mailing lists, SMPP binds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from communicator.db.models.base import Base, BigId


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
