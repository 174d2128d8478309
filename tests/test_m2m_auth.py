"""M2M authentication as a service: the demo admin's API password, constant-shape refusals (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from communicator.db.session import Database
from communicator.services.core.errors import Unauthorized
from communicator.services.demo import seed_demo
from communicator.services.identity.api_password import get_api_actor, get_md5hex
from communicator.services.identity.throttle import build_login_throttle
from communicator.settings import load_settings
from tests.conftest import DEMO_PASSWORD

SECRET = b"test-secret"


async def test_demo_admin_api_password_is_the_demo_password(db: Database) -> None:
    """`serve --demo` seeds with the server secret: admin + MD5(demo password) authenticates."""
    await seed_demo(db, DEMO_PASSWORD, SECRET)
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
