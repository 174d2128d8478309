"""Records: the event log, unrouted inbound SMS, message templates, exports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from communicator.db.models.base import Base, BigId


class Event(Base):
    """A recorded event; its id is the global order browsers catch up by."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()


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
