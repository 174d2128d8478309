"""Web logins, permission editing, employee tags and the audit trail of directory changes."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from communicator.db.models import AuditEntry, Group, User, WebSession
from communicator.db.session import Database
from communicator.events import ACCESS_CHANGED_FRAME
from communicator.schemas import (
    EmployeeCreate,
    EmployeeUpdate,
    GroupCreate,
    GroupUpdate,
    PermissionsUpdate,
    WebUserCreate,
    WebUserUpdate,
)
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from communicator.services.directory.employees import create_employee, update_employee
from communicator.services.directory.groups import create_group, delete_group, update_group
from communicator.services.directory.tag_list import list_tags
from communicator.services.identity.accounts import create_account, create_user
from communicator.services.identity.auth import open_session, record_session_use
from communicator.services.identity.users import (
    apply_permissions,
    create_web_user,
    get_permissions,
    list_users,
    preview_permissions,
    update_web_user,
)
from tests.conftest import API, LiveServer
from tests.conftest import login as http_login

PASSWORD = "user-password-1"
HOUR = timedelta(hours=1)


async def _count_users(db: Database) -> int:
    """Web logins in the database."""
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(User))).scalar_one()


async def _audit(db: Database) -> list[AuditEntry]:
    """Every audit line, oldest first."""
    async with db.read() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def _new_user(db: Database, admin: Actor, **fields: object) -> int:
    """A new web login's id."""
    data = WebUserCreate(**{"login": "op", "password": PASSWORD, "role": "Operator", **fields})
    return (await create_web_user(db, admin, data)).id


# --- creating and changing logins ---------------------------------------------------------------


async def test_create_user_links_an_employee_once_and_names_bad_input(db: Database, admin: Actor) -> None:
    user_id = await _new_user(db, admin, employee_id=18, role="BaseUser")
    created = next(u for u in await list_users(db, admin) if u.id == user_id)
    assert (created.login, created.role, created.employee_id, created.active) == ("op", "BaseUser", 18, True)
    assert created.name == "Степанова Мария Викторовна"
    users = await _count_users(db)
    cases = [
        (
            WebUserCreate(login="other", password=PASSWORD, role="Operator", employee_id=18),
            Conflict,
            "employee_has_login",
        ),
        (
            WebUserCreate(login="other", password=PASSWORD, role="Operator", employee_id=9999),
            InvalidInput,
            "unknown_employees",
        ),
        (WebUserCreate(login="admin", password=PASSWORD, role="Operator"), Conflict, "login_taken"),
    ]
    for data, error, code in cases:
        with pytest.raises(error) as refused:
            await create_web_user(db, admin, data)
        assert refused.value.code == code
    assert await _count_users(db) == users


async def test_only_an_administrator_manages_users(db: Database, admin: Actor) -> None:
    await _new_user(db, admin)
    _, operator = await open_session(db, "op", PASSWORD)
    for call in (
        list_users(db, operator),
        create_web_user(db, operator, WebUserCreate(login="x", password=PASSWORD, role="Administrator")),
        update_web_user(db, operator, operator.user_id, WebUserUpdate(role="Administrator")),
        apply_permissions(db, operator, operator.user_id, PermissionsUpdate(all=True)),
        preview_permissions(db, operator, PermissionsUpdate(all=True)),
    ):
        with pytest.raises(Forbidden):
            await call


async def test_an_admin_cannot_lock_themself_out(db: Database, admin: Actor) -> None:
    for change in (WebUserUpdate(role="Operator"), WebUserUpdate(active=False)):
        with pytest.raises(Forbidden) as refused:
            await update_web_user(db, admin, admin.user_id, change)
        assert refused.value.code == "self_lockout"
    renamed = await update_web_user(db, admin, admin.user_id, WebUserUpdate(name="Главный"))
    assert renamed.name == "Главный" and renamed.role == "Administrator" and renamed.active


async def test_deactivating_a_user_ends_their_sessions(db: Database, admin: Actor) -> None:
    user_id = await _new_user(db, admin)
    token, _ = await open_session(db, "op", PASSWORD)
    db.published.clear()  # type: ignore[attr-defined]
    await update_web_user(db, admin, user_id, WebUserUpdate(active=False))
    async with db.read() as session:
        sessions = (await session.execute(select(func.count()).where(WebSession.user_id == user_id))).scalar_one()
    assert sessions == 0
    assert await record_session_use(db, token, HOUR, HOUR) is None
    # The open sockets re-check their access; the users page gets the login deactivated.
    assert [p.data for p in db.published][0] == ACCESS_CHANGED_FRAME  # type: ignore[attr-defined]
    assert [p.data[:22] for p in db.published][1:] == [b'{"type":"user.updated"']  # type: ignore[attr-defined]


# --- permissions --------------------------------------------------------------------------------


async def test_permissions_replace_resolve_and_match_the_preview(db: Database, admin: Actor) -> None:
    user_id = await _new_user(db, admin)
    async with db.read() as session:
        measurers = (await session.execute(select(Group.id).where(Group.name == "Замерщики"))).scalar_one()
    wanted = PermissionsUpdate(groups=[measurers, measurers], employees=[18], tags=["#ДЕЖУРСТВО"])
    preview = await preview_permissions(db, admin, wanted)
    saved = await apply_permissions(db, admin, user_id, wanted)
    read = await get_permissions(db, admin, user_id)
    assert preview == saved == read
    assert (read.all, read.groups, read.employees, read.tags) == (False, [measurers], [18], ["дежурство"])
    assert {e.id for e in read.resolved} == {8, 9, 10, 11, 12, 18, 13, 14, 16}
    assert [e.name for e in read.resolved] == sorted(e.name for e in read.resolved)
    everyone = await apply_permissions(db, admin, user_id, PermissionsUpdate(all=True))
    assert everyone.all and everyone.groups == [] and everyone.tags == [] and len(everyone.resolved) == 20
    async with db.read() as session:
        assert (await session.get(User, user_id)).may_send_all is True


async def test_unknown_ids_in_permissions_are_named_and_nothing_changes(db: Database, admin: Actor) -> None:
    user_id = await _new_user(db, admin)
    await apply_permissions(db, admin, user_id, PermissionsUpdate(employees=[1]))
    for bad, named in (
        (PermissionsUpdate(groups=[999]), {"groups": [999]}),
        (PermissionsUpdate(employees=[888, 1]), {"employees": [888]}),
    ):
        with pytest.raises(InvalidInput) as refused:
            await apply_permissions(db, admin, user_id, bad)
        assert refused.value.extra == named
    read = await get_permissions(db, admin, user_id)
    assert (read.all, read.employees, [e.id for e in read.resolved]) == (False, [1], [1])


async def test_another_accounts_user_is_not_found(db: Database, admin: Actor) -> None:
    async with db.write() as session:
        account = await create_account(session, "Другая компания", "5000")
        stranger = await create_user(session, account.id, "b-admin", PASSWORD, "Administrator")
    for call in (
        get_permissions(db, admin, stranger.id),
        apply_permissions(db, admin, stranger.id, PermissionsUpdate(all=False)),
        update_web_user(db, admin, stranger.id, WebUserUpdate(active=False)),
    ):
        with pytest.raises(NotFound):
            await call
    assert "b-admin" not in {u.login for u in await list_users(db, admin)}
    _, other = await open_session(db, "b-admin", PASSWORD)
    assert other.account_id == account.id


# --- employee tags and the audit trail -----------------------------------------------------------


async def test_employee_tags_are_normalized_sorted_and_counted(db: Database, admin: Actor) -> None:
    data = EmployeeCreate(name="Новый", phone="+79265550101", tags=["#Связь", "связь", "Авария"])
    created = await create_employee(db, admin, data)
    assert created.tags == ["авария", "связь"]
    changed = await update_employee(db, admin, created.id, EmployeeUpdate(tags=["#Дежурство"]))
    counts = {t.tag: t.subscribers for t in await list_tags(db, admin)}
    assert changed.tags == ["дежурство"]
    assert counts == {"авария": 4, "дежурство": 4}


async def test_changes_are_audited_without_passwords(db: Database, admin: Actor) -> None:
    before = len(await _audit(db))
    secrets = ["first-secret-pass", "second-secret-pass", "third-secret-pass"]
    user_id = await _new_user(db, admin, password=secrets[0])
    await update_web_user(db, admin, user_id, WebUserUpdate(password=secrets[1], role="BaseUser"))
    await apply_permissions(db, admin, user_id, PermissionsUpdate(tags=["авария"]))
    data = EmployeeCreate(name="Новый", phone="+79265550101", web_access=True, login="new", password=secrets[2])
    employee = await create_employee(db, admin, data)
    await update_employee(db, admin, employee.id, EmployeeUpdate(tags=["Связь"], position="Электрик"))
    group = await create_group(db, admin, GroupCreate(name="Связисты", member_ids=[employee.id]))
    await update_group(db, admin, group.id, GroupUpdate(name="Связь", color="#000000"))
    await delete_group(db, admin, group.id)
    lines = (await _audit(db))[before:]
    assert [line.action for line in lines] == [
        "user.created",
        "user.updated",
        "permissions.updated",
        "employee.created",
        "employee.updated",
        "group.created",
        "group.updated",
        "group.deleted",
    ]
    by_action = {line.action: line for line in lines}
    assert by_action["user.updated"].details == {"role": ["Operator", "BaseUser"], "password_changed": True}
    assert by_action["permissions.updated"].details["tags"] == [[], ["авария"]]
    assert by_action["employee.updated"].details == {"position": [None, "Электрик"], "tags": [[], ["связь"]]}
    assert by_action["group.updated"].details == {"name": ["Связисты", "Связь"], "color": ["#4a90d9", "#000000"]}
    assert by_action["group.deleted"].target_name == "Связь"
    assert all(line.actor_name == admin.name and line.account_id == admin.account_id for line in lines)
    stored = json.dumps([line.details for line in lines], ensure_ascii=False)
    assert not any(secret in stored for secret in secrets) and "$argon2" not in stored


# --- REST -----------------------------------------------------------------------------------------


async def test_users_api(server: LiveServer, client: httpx.AsyncClient, server_db: Database) -> None:
    created = await client.post(
        f"{API}/users", json={"login": "op", "password": PASSWORD, "role": "Operator", "employee_id": 20}
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user == {
        "id": user["id"],
        "login": "op",
        "name": "Орлова Татьяна Сергеевна",
        "role": "Operator",
        "employee_id": 20,
        "active": True,
        "may_send_all": True,
    }
    taken = await client.post(f"{API}/users", json={"login": "op", "password": PASSWORD, "role": "Operator"})
    assert taken.status_code == 409 and taken.json()["code"] == "login_taken"
    assert {"admin", "operator", "op"} <= {u["login"] for u in (await client.get(f"{API}/users")).json()["items"]}
    permits = {"all": False, "groups": [], "employees": [1, 2], "tags": ["#Авария"]}
    preview = await client.post(f"{API}/permissions/preview", json=permits)
    saved = await client.put(f"{API}/users/{user['id']}/permissions", json=permits)
    assert preview.status_code == 200 and saved.status_code == 200, saved.text
    assert preview.json() == saved.json() == (await client.get(f"{API}/users/{user['id']}/permissions")).json()
    assert {e["id"] for e in saved.json()["resolved"]} == {1, 2, 4, 13, 16, 19}
    unknown = await client.put(f"{API}/users/{user['id']}/permissions", json={**permits, "groups": [999]})
    assert unknown.status_code == 422 and "999" in unknown.json()["detail"]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as operator:
        await http_login(operator, "op", PASSWORD)
        assert (await operator.get(f"{API}/users")).status_code == 403
        assert {t["tag"]: t["subscribers"] for t in (await operator.get(f"{API}/tags")).json()["items"]} == {
            "авария": 4,
            "дежурство": 2,
        }
        me = (await client.get(f"{API}/auth/me")).json()
        lockout = await client.patch(f"{API}/users/{me['id']}", json={"role": "Operator"})
        assert lockout.status_code == 403 and lockout.json()["code"] == "self_lockout"
        off = await client.patch(f"{API}/users/{user['id']}", json={"active": False})
        assert off.status_code == 200 and off.json()["active"] is False
        assert (await operator.get(f"{API}/threads")).status_code == 401
    assert (await client.get(f"{API}/users/999999/permissions")).status_code == 404
