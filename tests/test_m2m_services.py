"""The services behind the M2M API on SQLite and PostgreSQL: API passwords, mailing lists, mailings, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from communicator.db.session import Database
from communicator.services.core.actors import Actor
from communicator.services.core.errors import InvalidInput, NotFound, Unauthorized
from communicator.services.demo import seed_demo
from communicator.services.directory.mailing_lists import (
    ContactIn,
    create_mailing_list,
    delete_mailing_lists,
    list_mailing_list_contacts,
    list_mailing_lists,
)
from communicator.services.identity.api_password import get_api_actor, get_md5hex
from communicator.services.identity.throttle import build_login_throttle
from communicator.services.messaging.history import list_message_statuses, list_messages_between
from communicator.services.messaging.mailing import send_mailing
from communicator.services.messaging.usage import get_month_usage
from communicator.settings import load_settings
from tests.conftest import DEMO_PASSWORD

SECRET = b"test-secret"


async def test_api_password_mailing_lists_history(db: Database, admin: Actor) -> None:
    """`serve --demo` gives the admin the demo password as API password; then the mailing-list services."""
    await seed_demo(db, DEMO_PASSWORD, SECRET)  # the demo exists (admin fixture): the re-seed sets it
    throttle = build_login_throttle(load_settings({}))
    actor = await get_api_actor(db, throttle, SECRET, "admin", get_md5hex(DEMO_PASSWORD), "10.0.0.1")
    assert actor.login == "admin" and actor.is_admin
    upper = get_md5hex(DEMO_PASSWORD).upper()  # clients differ in hex case; the MD5 is compared lower-case
    assert (await get_api_actor(db, throttle, SECRET, "admin", upper, "10.0.0.1")).login == "admin"
    for login, md5 in (
        ("admin", get_md5hex("wrong")),
        ("nobody", get_md5hex(DEMO_PASSWORD)),
        ("operator", get_md5hex(DEMO_PASSWORD)),
    ):
        with pytest.raises(Unauthorized, match="^Wrong login or API password.$"):
            await get_api_actor(db, throttle, SECRET, login, md5, "10.0.0.1")
    await _check_mailing_list_history_and_usage(db, admin)


async def _check_mailing_list_history_and_usage(db: Database, admin: Actor) -> None:
    """Mailing lists on groups (an existing employee keeps their name), a rendered mailing, statuses, usage."""
    contacts = [
        ContactIn(phone="+79161000001", name="Иванов", attributes={"code": "A1"}),
        ContactIn(phone="89035550001", name="Гость", attributes={"code": "B2"}),
    ]
    list_id = await create_mailing_list(db, admin, "Коды", contacts)
    assert [(m.id, m.name) for m in await list_mailing_lists(db, admin)] == [(list_id, "Коды")]
    read = {c.phone: c.attributes for c in await list_mailing_list_contacts(db, admin, list_id)}
    assert read == {"+79161000001": {"code": "A1"}, "+79035550001": {"code": "B2"}}
    since = datetime.now(UTC) - timedelta(seconds=5)
    sent = await send_mailing(db, admin, list_id, "{{ Name }}: {{ code }}")
    assert sorted(m.text for m in sent) == ["Гость: B2", "Иванов Сергей Петрович: A1"]
    statuses = await list_message_statuses(db, admin, [m.id for m in sent])
    assert sorted(d.phone for m in statuses for d in m.deliveries or []) == ["+79035550001", "+79161000001"]
    listed = await list_messages_between(db, admin, "out", ["+79035550001"], since, datetime.now(UTC))
    assert [m.text for m in listed] == ["Гость: B2"]
    usage = await get_month_usage(db, admin, since - timedelta(days=40), datetime.now(UTC) + timedelta(days=1))
    assert usage.billed_parts == 0 and usage.plan == "Company"  # nothing reached an SMSC yet (no gateway here)
    with pytest.raises(InvalidInput, match="not a valid template"):
        await send_mailing(db, admin, list_id, "{{ Name ")
    await delete_mailing_lists(db, admin, [list_id])
    assert await list_mailing_lists(db, admin) == []
    with pytest.raises(NotFound):
        await list_mailing_list_contacts(db, admin, list_id)
