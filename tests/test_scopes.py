"""Token scopes hold at the service, not only at the HTTP guard: an entry point cannot bypass them."""

from __future__ import annotations

import pytest

from communicator.db.session import Database
from communicator.schemas import EmployeeCreate, GroupCreate, MessageCreate, Recipients, TokenCreate
from communicator.services.core.actors import Actor
from communicator.services.core.audit import list_audit
from communicator.services.core.errors import Forbidden
from communicator.services.directory import employees, groups, tag_list
from communicator.services.identity.tokens import create_token, record_token_use
from communicator.services.identity.users import list_users
from communicator.services.messaging import threads
from communicator.services.messaging.send import get_message, send_message

SECRET = b"test-secret"
HELLO = MessageCreate(text="t", recipients=Recipients(employees=[1]))


async def _token_actor(db: Database, admin: Actor, *scopes: str) -> Actor:
    """The actor behind a real token of the demo admin with these scopes."""
    created = await create_token(db, admin, TokenCreate(name="script", scopes=list(scopes)), SECRET)
    actor = await record_token_use(db, SECRET, created.token)
    assert actor is not None and actor.scopes == frozenset(scopes)
    return actor


async def _refused(call, scope: str) -> None:
    """The call is refused naming the missing scope."""
    with pytest.raises(Forbidden) as refused:
        await call
    assert refused.value.code == "scope_missing" and refused.value.extra == {"scope": scope}


async def test_a_token_without_directory_read_cannot_read_the_directory(db: Database, admin: Actor) -> None:
    actor = await _token_actor(db, admin, "messages:send", "directory:write")
    for call in (employees.list_employees(db, actor), tag_list.list_tags(db, actor), groups.list_groups(db, actor)):
        await _refused(call, "directory:read")
    reader = await _token_actor(db, admin, "directory:read")
    assert len(await employees.list_employees(db, reader)) == 20


async def test_a_token_without_directory_write_cannot_change_it(db: Database, admin: Actor) -> None:
    actor = await _token_actor(db, admin, "directory:read")
    for call in (
        employees.create_employee(db, actor, EmployeeCreate(name="Новый", phone="+79265550101")),
        groups.create_group(db, actor, GroupCreate(name="Новая")),
        groups.delete_group(db, actor, 1),
    ):
        await _refused(call, "directory:write")
    assert len(await employees.list_employees(db, actor)) == 20 and len(await groups.list_groups(db, actor)) == 3


async def test_a_token_without_messages_send_cannot_send(db: Database, admin: Actor) -> None:
    actor = await _token_actor(db, admin, "messages:read", "directory:read")
    await _refused(send_message(db, actor, HELLO), "messages:send")
    _, listed, _ = await threads.list_threads(db, actor)
    assert listed == []  # nothing was stored
    sender = await _token_actor(db, admin, "messages:send")
    sent = await send_message(db, sender, HELLO)
    await _refused(get_message(db, sender, sent.id), "messages:read")
    await _refused(threads.list_threads(db, sender), "messages:read")


async def test_a_token_never_reaches_what_only_a_web_session_may_do(db: Database, admin: Actor) -> None:
    actor = await _token_actor(db, admin, "messages:send", "messages:read", "directory:read", "directory:write")
    for call in (list_users(db, actor), list_audit(db, actor, None, 10)):
        with pytest.raises(Forbidden) as refused:
            await call
        assert refused.value.code == "token_not_allowed"
    with pytest.raises(Forbidden):
        await create_token(db, actor, TokenCreate(name="more", scopes=["directory:write"]), SECRET)
