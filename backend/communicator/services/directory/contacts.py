"""Contacts: numbers outside the staff. Unnamed ones are unknown numbers; named ones are listed in the directory.

«Добавить в справочник» names a contact (its thread keeps its messages) or makes it an employee (its thread,
its past messages and deliveries become the employee's). See docs/inbox.md.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Contact, Delivery, Employee, Message, Thread
from communicator.db.session import Database
from communicator.domain import ThreadKind
from communicator.events import ContactCreated, ContactDeleted, ContactUpdated, ThreadUpdated, record_event
from communicator.schemas import (
    ContactCreate,
    ContactPromote,
    ContactRead,
    ContactResubscribe,
    ContactUpdate,
    EmployeeCreate,
    EmployeeRead,
)
from communicator.services.core.access import access_row, given_fields
from communicator.services.core.actors import Actor
from communicator.services.core.audit import record_audit
from communicator.services.core.errors import Conflict
from communicator.services.core.permissions import check_may_edit_directory, check_scope, get_reach
from communicator.services.directory.employees import check_phone, record_employee
from communicator.services.directory.opt_outs import ContactTags, get_contact_tags, record_resubscribe, set_contact_tags


async def _thread_id(session: AsyncSession, contact: Contact) -> int | None:
    """The contact's thread, if it has one."""
    query = select(Thread.id).where(
        Thread.account_id == contact.account_id, Thread.kind == ThreadKind.CONTACT, Thread.ref_id == contact.id
    )
    thread_id: int | None = await session.scalar(query)
    return thread_id


def _read(contact: Contact, thread_id: int | None, tags: ContactTags = ([], [])) -> ContactRead:
    """The API view of a contact."""
    return ContactRead(
        id=contact.id,
        phone=contact.phone,
        name=contact.name,
        note=contact.note,
        thread_id=thread_id,
        tags=tags[0],
        opted_out=tags[1],
    )


async def read_contact(session: AsyncSession, contact: Contact) -> ContactRead:
    """The API view of a contact as stored now, with its thread and tags."""
    tags = (await get_contact_tags(session, [contact.id]))[contact.id]
    return _read(contact, await _thread_id(session, contact), tags)


async def list_contacts(db: Database, actor: Actor) -> list[ContactRead]:
    """The named contacts (the directory's external contacts); a restricted caller reaches none."""
    check_scope(actor, "directory:read")
    async with db.read() as session:
        if not (await get_reach(session, actor)).everyone:
            return []
        query = (
            select(Contact, Thread.id)
            .outerjoin(Thread, (Thread.kind == ThreadKind.CONTACT) & (Thread.ref_id == Contact.id))
            .where(Contact.account_id == actor.account_id, Contact.name.is_not(None))
            .order_by(Contact.name, Contact.id)
        )
        rows = (await session.execute(query)).all()
        tags = await get_contact_tags(session, [contact.id for contact, _ in rows])
        return [_read(contact, thread_id, tags[contact.id]) for contact, thread_id in rows]


async def _record_named(session: AsyncSession, actor: Actor, contact: Contact, created: bool) -> ContactRead:
    """The contact's events (and its thread's new title) and audit line after a name or note changed."""
    await session.flush()
    read = await read_contact(session, contact)
    thread_id = read.thread_id
    event = ContactCreated(contact=read) if created else ContactUpdated(contact=read)
    await record_event(session, actor.account_id, event)
    if thread_id is not None:
        title = contact.name or contact.phone
        renamed = ThreadUpdated(
            thread_id=thread_id, kind=ThreadKind.CONTACT, ref_id=contact.id, title=title, phone=contact.phone
        )
        await record_event(session, actor.account_id, renamed)
    action = "contact.created" if created else "contact.updated"
    await record_audit(
        session, actor, action, ("contact", contact.id, contact.name or contact.phone), {"phone": contact.phone}
    )
    return read


async def create_contact(db: Database, actor: Actor, data: ContactCreate) -> ContactRead:
    """Add an external contact; an unknown number that already wrote keeps its thread, now under the name."""
    check_may_edit_directory(actor)
    phone = check_phone(data.phone)
    async with db.write() as session:
        taken = select(Employee.id).where(Employee.account_id == actor.account_id, Employee.phone == phone)
        if await session.scalar(taken) is not None:
            raise Conflict(f"Phone {phone} already belongs to an employee.", {"phone": phone}, code="phone_taken")
        query = select(Contact).where(Contact.account_id == actor.account_id, Contact.phone == phone)
        contact = await session.scalar(query.with_for_update())
        if contact is not None and contact.name is not None:
            raise Conflict(f"Phone {phone} is already a contact.", {"phone": phone}, code="contact_exists")
        if contact is None:
            contact = Contact(account_id=actor.account_id, phone=phone)
            session.add(contact)
        contact.name, contact.note = data.name.strip(), data.note
        await session.flush()
        await set_contact_tags(session, contact, data.tags)
        return await _record_named(session, actor, contact, created=True)


async def update_contact(db: Database, actor: Actor, contact_id: int, data: ContactUpdate) -> ContactRead:
    """Change a contact's name or note."""
    check_may_edit_directory(actor)
    async with db.write() as session:
        contact = await access_row(session, Contact, contact_id, actor, "Contact")
        fields = given_fields(data)
        if "tags" in fields:
            await set_contact_tags(session, contact, fields.pop("tags"))
        for field, value in fields.items():
            setattr(contact, field, value.strip() if field == "name" else value)
        return await _record_named(session, actor, contact, created=contact.name is None)


async def resubscribe_contact(db: Database, actor: Actor, contact_id: int, data: ContactResubscribe) -> ContactRead:
    """An Administrator undoes the contact's «СТОП» for these tags (every tag it left when none are named)."""
    check_may_edit_directory(actor)
    async with db.write() as session:
        contact = await access_row(session, Contact, contact_id, actor, "Contact")
        back = await record_resubscribe(session, contact, data.tags)
        read = await read_contact(session, contact)
        if back:
            await record_event(session, actor.account_id, ContactUpdated(contact=read))
            target = ("contact", contact.id, contact.name or contact.phone)
            await record_audit(session, actor, "contact.resubscribed", target, {"tags": back})
        return read


async def promote_contact(db: Database, actor: Actor, contact_id: int, data: ContactPromote) -> EmployeeRead:
    """Make a contact an employee: its thread, past messages and deliveries become the employee's."""
    check_may_edit_directory(actor)
    async with db.write() as session:
        contact = await access_row(session, Contact, contact_id, actor, "Contact")
        employee = await record_employee(
            session, actor, EmployeeCreate(name=data.name, phone=contact.phone, position=data.position)
        )
        await _move_to_employee(session, contact, employee)
        if contact.name is not None:
            await record_event(session, actor.account_id, ContactDeleted(contact_id=contact.id))
        target = ("contact", contact.id, contact.name or contact.phone)
        await record_audit(session, actor, "contact.promoted", target, {"employee_id": employee.id})
        await session.delete(contact)
        return employee


async def _move_to_employee(session: AsyncSession, contact: Contact, employee: EmployeeRead) -> None:
    """Re-own the contact's messages, deliveries and thread."""
    account_id, phone = contact.account_id, contact.phone
    unowned_messages = (Message.account_id == account_id) & (Message.sender_phone == phone)
    await session.execute(
        update(Message).where(unowned_messages, Message.employee_id.is_(None)).values(employee_id=employee.id)
    )
    unowned_deliveries = (Delivery.account_id == account_id) & (Delivery.phone == phone)
    await session.execute(
        update(Delivery).where(unowned_deliveries, Delivery.employee_id.is_(None)).values(employee_id=employee.id)
    )
    thread_id = await _thread_id(session, contact)
    if thread_id is not None:
        moved = update(Thread).where(Thread.id == thread_id).values(kind=ThreadKind.EMPLOYEE, ref_id=employee.id)
        await session.execute(moved.execution_options(synchronize_session=False))
        event = ThreadUpdated(
            thread_id=thread_id, kind=ThreadKind.EMPLOYEE, ref_id=employee.id, title=employee.name, phone=None
        )
        await record_event(session, account_id, event)
