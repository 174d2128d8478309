"""Logins, roles and passwords change only with the users' rights, by POST /users' rules, whatever the route.

An API token with `directory:write` once could create an employee with an Administrator login, or give an
existing employee's login the Administrator role and a new password, and then log in as an Administrator.
"""

from __future__ import annotations

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from communicator.db.models import Employee, User
from communicator.db.session import Database
from communicator.schemas import EmployeeCreate, EmployeeUpdate, WebUserCreate, WebUserUpdate
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput
from communicator.services.directory.employees import create_employee, update_employee
from communicator.services.identity.users import create_web_user, update_web_user
from tests.conftest import API, LiveServer
from tests.test_tokens import bearer, new_token

ROOT = {"web_access": True, "role": "Administrator", "login": "root", "password": "pwned-password"}


async def _can_log_in(server: LiveServer, login_name: str, password: str) -> dict | None:
    """The user a login answers with, or None when it is refused."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(f"{API}/auth/login", json={"login": login_name, "password": password})
    return response.json() if response.status_code == 200 else None


async def _operator_employee(client: httpx.AsyncClient) -> dict:
    """An employee with an Operator login «shift» (created by the admin's session)."""
    body = {"name": "Сменный", "phone": "+79265550301", "web_access": True, "role": "Operator"}
    response = await client.post(f"{API}/employees", json={**body, "login": "shift", "password": "shift-password"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_directory_token_cannot_create_an_administrator(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    token = (await new_token(client, "directory:write", "directory:read"))["token"]
    async with bearer(server, token) as script:
        refused = await script.post(f"{API}/employees", json={"name": "Чужой", "phone": "+79265550302", **ROOT})
        allowed = await script.post(f"{API}/employees", json={"name": "Новый", "phone": "+79265550303"})
    assert refused.status_code == 403 and refused.json()["code"] == "token_not_allowed", refused.text
    assert allowed.status_code == 201, allowed.text  # the directory itself stays the token's to change
    async with server_db.read() as session:
        assert await session.scalar(select(func.count()).select_from(User).where(User.login == "root")) == 0
        assert await session.scalar(select(Employee.id).where(Employee.phone == "+79265550302")) is None
    assert await _can_log_in(server, "root", "pwned-password") is None


async def test_a_directory_token_cannot_promote_a_login_or_set_its_password(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    employee = await _operator_employee(client)
    token = (await new_token(client, "directory:write"))["token"]
    async with bearer(server, token) as script:
        attempts = [
            {"role": "Administrator", "password": "pwned-password"},
            {"role": "Administrator"},
            {"password": "pwned-password"},
            {"web_access": True, "role": "Administrator"},
        ]
        answers = [await script.patch(f"{API}/employees/{employee['id']}", json=body) for body in attempts]
        renamed = await script.patch(f"{API}/employees/{employee['id']}", json={"position": "Дежурный"})
    assert [a.status_code for a in answers] == [403] * len(attempts), [a.text for a in answers]
    assert renamed.status_code == 200 and renamed.json()["role"] == "Operator"
    assert await _can_log_in(server, "shift", "pwned-password") is None
    assert (await _can_log_in(server, "shift", "shift-password"))["role"] == "Operator"


async def test_the_administrator_still_gives_logins_roles_and_passwords(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    employee = await _operator_employee(client)
    promoted = await client.patch(
        f"{API}/employees/{employee['id']}", json={"role": "Administrator", "password": "new-shift-password"}
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "Administrator", promoted.text
    assert (await _can_log_in(server, "shift", "new-shift-password"))["role"] == "Administrator"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        pytest.param({"login": "two words", "password": "long-enough"}, "login", id="login-with-space"),
        pytest.param({"login": "", "password": "long-enough"}, "login", id="empty-login"),
        pytest.param({"login": "shorty", "password": "short"}, "password", id="short-password"),
    ],
)
async def test_an_employee_login_follows_the_users_rules(
    server: LiveServer, client: httpx.AsyncClient, fields: dict, named: str
) -> None:
    body = {"name": "Правила", "phone": "+79265550304", "web_access": True, "role": "Operator", **fields}
    created = await client.post(f"{API}/employees", json=body)
    assert created.status_code == 400 and f"at {named}" in created.json()["detail"], created.text
    employee = await _operator_employee(client)
    changed = await client.patch(f"{API}/employees/{employee['id']}", json={"password": "short"})
    assert changed.status_code == 400 and "at password" in changed.json()["detail"], changed.text
    assert await _can_log_in(server, "shift", "short") is None


# --- the same rules for a service called directly (the M2M and e-mail entry points will call them) ----------


def _token_of(admin: Actor) -> Actor:
    """The admin acting through an API token with every directory scope."""
    return Actor(
        admin.user_id,
        admin.account_id,
        admin.role,
        admin.login,
        admin.name,
        scopes=frozenset({"directory:read", "directory:write"}),
        token_id=1,
    )


async def test_services_refuse_a_token_and_bad_logins_whatever_the_entry_point(db: Database, admin: Actor) -> None:
    token = _token_of(admin)
    new = EmployeeCreate(name="Чужой", phone="+79265550305", web_access=True, role="Administrator", login="root")
    refusals = [
        (lambda s: create_employee(s, token, _with(new, password="pwned-password")), Forbidden),
        (lambda s: update_employee(s, token, 1, EmployeeUpdate(web_access=True, role="Administrator")), Forbidden),
        (
            lambda s: create_web_user(s, token, WebUserCreate(login="root", password="x" * 8, role="Operator")),
            Forbidden,
        ),
        (lambda s: update_web_user(s, token, admin.user_id, WebUserUpdate(password="x" * 8)), Forbidden),
        # msgspec checks constraints only when decoding, so a struct built in code skips them: the service checks.
        (lambda s: create_employee(s, admin, _with(new, password="short")), InvalidInput),
        (lambda s: create_employee(s, admin, _with(new, login="two words", password="x" * 8)), InvalidInput),
        (
            lambda s: create_web_user(s, admin, WebUserCreate(login="a b", password="x" * 8, role="Operator")),
            InvalidInput,
        ),
        (lambda s: update_web_user(s, admin, admin.user_id, WebUserUpdate(password="short")), InvalidInput),
    ]
    for call, error in refusals:
        with pytest.raises(error):
            await call(db)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 2  # admin and operator only
        assert await session.scalar(select(Employee.id).where(Employee.phone == "+79265550305")) is None


def _with(data: EmployeeCreate, **fields: object) -> EmployeeCreate:
    """A copy of the struct with these fields replaced."""
    return msgspec.structs.replace(data, **fields)
