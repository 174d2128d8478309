"""The directory: accounts, employees, users and their permits, groups, contacts, tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from communicator.db.models.base import Base, EnumText
from communicator.domain import Role


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
