"""Messages, their deliveries (and parts), threads and read marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from communicator.db.models.base import Base, BigId, EnumText
from communicator.domain import DeliveryStatus, Direction, ThreadKind
from communicator.sms.words import index_words


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


class DeliveryPart(Base):
    """One part of a multipart delivery at the SMSC: each part gets its own id and receipt (docs/gateway.md)."""

    __tablename__ = "delivery_parts"
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    smsc_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(EnumText(DeliveryStatus, 16))
    error: Mapped[str | None] = mapped_column(String(200))


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


class MessageSeen(Base):
    """A user has read an inbound message (in whichever thread): one mark clears it everywhere."""

    __tablename__ = "message_reads"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("messages.id"), primary_key=True)
