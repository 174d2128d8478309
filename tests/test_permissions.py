"""Who may send to whom and see what (SPEC §6), on SQLite and PostgreSQL; one REST refusal end to end."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from communicator.db.models import Delivery, Employee, Group, Message, Thread
from communicator.db.session import Database
from communicator.schemas import (
    EmployeeUpdate,
    GroupCreate,
    MessageCreate,
    PermissionsUpdate,
    Recipients,
    WebUserCreate,
)
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Forbidden, InvalidInput, NotFound
from communicator.services.core.permissions import get_reach
from communicator.services.directory.employees import list_employees, update_employee
from communicator.services.directory.groups import create_group, list_groups
from communicator.services.directory.tag_list import list_tags
from communicator.services.identity.accounts import create_account, create_user
from communicator.services.identity.auth import open_session
from communicator.services.identity.users import apply_permissions, create_web_user
from communicator.services.messaging.reads import mark_thread_read
from communicator.services.messaging.send import get_message, send_message
from communicator.services.messaging.threads import list_thread_messages, list_threads
from tests.conftest import API, LiveServer
from tests.conftest import login as http_login
from tests.helpers import receive_reply

PASSWORD = "operator-password"
FITTERS = "Монтажники"
ENGINEERS = "Дежурные инженеры"
# The demo's people by position in DEMO_PEOPLE (ids 1..20 in a fresh database).
FITTER_IDS = {1, 2, 3, 4, 5, 6, 7, 19}
ENGINEER_IDS = {13, 14, 15, 16, 17}
ALARM_SUBSCRIBERS = {4, 13, 16, 19}  # #авария
DUTY_SUBSCRIBERS = {13, 14, 16}  # #дежурство


async def group_id(db: Database, name: str) -> int:
    """A demo group's id by name."""
    async with db.read() as session:
        return (await session.execute(select(Group.id).where(Group.name == name))).scalar_one()


async def phones_of(db: Database, ids: set[int]) -> set[str]:
    """The phones of these employees."""
    async with db.read() as session:
        return set(await session.scalars(select(Employee.phone).where(Employee.id.in_(ids))))


async def make_user(
    db: Database,
    admin: Actor,
    permits: PermissionsUpdate | None = None,
    role: str = "Operator",
    employee_id: int | None = None,
    name: str = "op",
) -> Actor:
    """A web login with these permissions, as its own login sees it."""
    user = await create_web_user(
        db, admin, WebUserCreate(login=name, password=PASSWORD, role=role, employee_id=employee_id)
    )
    if permits is not None:
        await apply_permissions(db, admin, user.id, permits)
    return (await open_session(db, name, PASSWORD))[1]


async def fitters_operator(db: Database, admin: Actor) -> Actor:
    """An Operator allowed only «Монтажники»."""
    return await make_user(db, admin, PermissionsUpdate(groups=[await group_id(db, FITTERS)]))


async def stored(db: Database) -> tuple[int, int]:
    """Messages and deliveries in the database."""
    async with db.read() as session:
        return tuple(
            [(await session.execute(select(func.count()).select_from(m))).scalar_one() for m in (Message, Delivery)]
        )  # type: ignore[return-value]


def send(text: str, **recipients: list) -> MessageCreate:
    """A message to these recipients."""
    return MessageCreate(text=text, recipients=Recipients(**recipients))


# --- sending -----------------------------------------------------------------------------------


async def test_refused_send_names_every_forbidden_recipient_and_stores_nothing(db: Database, admin: Actor) -> None:
    operator = await fitters_operator(db, admin)
    before = await stored(db)
    db.published.clear()  # type: ignore[attr-defined]
    message = send("Всем", groups=[await group_id(db, ENGINEERS)], employees=[1], numbers=["+79990001122"])
    with pytest.raises(Forbidden) as refused:
        await send_message(db, operator, message)
    assert refused.value.code == "forbidden_recipients"
    forbidden = refused.value.extra["forbidden"]
    assert {f["phone"] for f in forbidden} == await phones_of(db, ENGINEER_IDS) | {"+79990001122"}
    assert {f["employee_id"] for f in forbidden} == ENGINEER_IDS | {None}
    assert all(f["name"] for f in forbidden if f["employee_id"])
    assert "Лебедев Михаил Борисович" in refused.value.detail and "Nothing was sent" in refused.value.detail
    assert await stored(db) == before
    assert db.published == []  # type: ignore[attr-defined]


async def test_allowed_send_goes_through(db: Database, admin: Actor) -> None:
    operator = await fitters_operator(db, admin)
    message = await send_message(db, operator, send("Сбор в 9:00", groups=[await group_id(db, FITTERS)]))
    assert message.summary.total == len(FITTER_IDS)
    assert {d.employee_id for d in message.deliveries or []} == FITTER_IDS


async def test_nested_group_permission_reaches_the_subgroup(db: Database, admin: Actor) -> None:
    fitters = await group_id(db, FITTERS)
    brigade = await create_group(db, admin, GroupCreate(name="Бригада 1", parent_id=fitters, member_ids=[8]))
    operator = await fitters_operator(db, admin)
    async with db.read() as session:
        reach = await get_reach(session, operator)
    assert reach.employee_ids == FITTER_IDS | {8}
    assert reach.group_ids == {fitters, brigade.id}
    assert (await send_message(db, operator, send("Замер", employees=[8]))).summary.total == 1
    with pytest.raises(Forbidden) as refused:
        await send_message(db, operator, send("Замер", employees=[8, 9]))
    assert [f["employee_id"] for f in refused.value.extra["forbidden"]] == [9]


async def test_tag_permission_reaches_subscribers_now_and_later(db: Database, admin: Actor) -> None:
    operator = await make_user(db, admin, PermissionsUpdate(tags=["#Авария"]))
    async with db.read() as session:
        assert (await get_reach(session, operator)).employee_ids == ALARM_SUBSCRIBERS
    sent = await send_message(db, operator, send("Авария на подстанции", tags=["авария"]))
    assert {d.employee_id for d in sent.deliveries or []} == ALARM_SUBSCRIBERS
    with pytest.raises(Forbidden) as refused:
        await send_message(db, operator, send("Смена", tags=["дежурство"]))
    assert [f["employee_id"] for f in refused.value.extra["forbidden"]] == [14]
    await update_employee(db, admin, 5, EmployeeUpdate(tags=["АВАРИЯ"]))
    async with db.read() as session:
        assert (await get_reach(session, operator)).employee_ids == ALARM_SUBSCRIBERS | {5}


async def test_send_to_tags_reaches_active_subscribers_once(db: Database, admin: Actor) -> None:
    await update_employee(db, admin, 19, EmployeeUpdate(active=False))
    message = await send_message(db, admin, send("Сбор", tags=["#Авария", "дежурство"], employees=[13]))
    assert sorted(d.employee_id for d in message.deliveries or []) == sorted(
        (ALARM_SUBSCRIBERS | DUTY_SUBSCRIBERS) - {19}
    )
    before = await stored(db)
    with pytest.raises(InvalidInput) as refused:
        await send_message(db, admin, send("Сбор", tags=["авария", "#Нет_такого"], employees=[1]))
    assert refused.value.code == "unknown_tags" and refused.value.extra == {"tags": ["нет_такого"]}
    assert "#нет_такого" in refused.value.detail
    assert await stored(db) == before


async def test_base_user_may_not_send(db: Database, admin: Actor) -> None:
    base = await make_user(db, admin, role="BaseUser", employee_id=18)
    with pytest.raises(Forbidden) as refused:
        await send_message(db, base, send("Привет", employees=[18]))
    assert refused.value.code == "role_may_not_send"


# --- seeing ------------------------------------------------------------------------------------


async def test_directory_lists_only_what_the_caller_may_see(db: Database, admin: Actor) -> None:
    operator = await fitters_operator(db, admin)
    base = await make_user(db, admin, role="BaseUser", employee_id=18, name="base")
    assert {e.id for e in await list_employees(db, operator)} == FITTER_IDS
    assert [g.name for g in await list_groups(db, operator)] == [FITTERS]
    assert {t.tag: t.subscribers for t in await list_tags(db, operator)} == {"авария": 2}
    assert [e.id for e in await list_employees(db, base)] == [18]
    assert await list_groups(db, base) == []
    assert await list_tags(db, base) == []
    assert len(await list_employees(db, admin)) == 20 and len(await list_groups(db, admin)) == 3


async def _thread(db: Database, kind: str, ref_id: int | None = None) -> int:
    """A thread's id (a contact's: the first one)."""
    async with db.read() as session:
        query = select(Thread.id).where(Thread.kind == kind)
        if ref_id is not None:
            query = query.where(Thread.ref_id == ref_id)
        return (await session.execute(query.order_by(Thread.id).limit(1))).scalar_one()


async def test_threads_and_messages_are_filtered_and_unreachable_threads_are_403(db: Database, admin: Actor) -> None:
    fitters, engineers = await group_id(db, FITTERS), await group_id(db, ENGINEERS)
    to_fitters = await send_message(db, admin, send("Монтажникам", groups=[fitters]))
    to_engineers = await send_message(db, admin, send("Инженерам", groups=[engineers], numbers=["+79990001122"]))
    both = await send_message(db, admin, send("Всем", groups=[fitters, engineers]))
    operator = await fitters_operator(db, admin)
    visible = {(t.kind, t.ref_id) for t in (await list_threads(db, operator))[1]}
    assert visible == {("group", fitters)} | {("employee", e) for e in FITTER_IDS}
    assert (await get_message(db, operator, to_fitters.id)).summary.total == len(FITTER_IDS)
    with pytest.raises(NotFound):
        await get_message(db, operator, to_engineers.id)
    shared = await get_message(db, operator, both.id)
    # The summary counts only the recipients the operator may see, like the deliveries it lists.
    assert shared.summary.total == len(FITTER_IDS) and shared.summary.counts == {"Pending": len(FITTER_IDS)}
    assert {d.employee_id for d in shared.deliveries or []} == FITTER_IDS
    for thread_id in [
        await _thread(db, "group", engineers),
        await _thread(db, "employee", 13),
        await _thread(db, "contact"),
    ]:
        # their own account's thread outside their reach: «Нет доступа», not «maybe deleted»
        with pytest.raises(Forbidden, match=f"Thread {thread_id} is outside your reach") as refused:
            await list_thread_messages(db, operator, thread_id, None, 50)
        assert refused.value.code == "forbidden"
        with pytest.raises(Forbidden):
            await mark_thread_read(db, operator, thread_id, both.id)
    with pytest.raises(NotFound, match="Thread 424242 not found"):
        await list_thread_messages(db, operator, 424242, None, 50)


async def test_reply_of_an_unreachable_employee_in_a_visible_group_thread_is_anonymous(
    db: Database, admin: Actor
) -> None:
    fitters = await group_id(db, FITTERS)
    await send_message(db, admin, send("Сбор", groups=[fitters], employees=[13]))
    reply = await receive_reply(db, "+79161000013", "Буду")
    operator = await fitters_operator(db, admin)
    group_thread = await _thread(db, "group", fitters)
    page = await list_thread_messages(db, operator, group_thread, None, 50)
    previews = {t.id: t.last_message for t in (await list_threads(db, operator))[1]}
    admin_page = await list_thread_messages(db, admin, group_thread, None, 50)
    shown = next(m for m in page.items if m.id == reply.id)
    assert shown.text == "Буду"
    assert (shown.employee_id, shown.employee_name, shown.sender_phone) == (None, None, None)
    assert previews[group_thread].id == reply.id and previews[group_thread].sender_name is None
    unmasked = next(m for m in admin_page.items if m.id == reply.id)
    assert unmasked.employee_name == "Лебедев Михаил Борисович"


async def test_base_user_sees_only_their_own_conversation(db: Database, admin: Actor) -> None:
    both = await send_message(db, admin, send("Всем", groups=[await group_id(db, FITTERS)]))
    other = await send_message(db, admin, send("Лично", employees=[2]))
    base = await make_user(db, admin, role="BaseUser", employee_id=1, name="base")
    _, threads, _ = await list_threads(db, base)
    assert [(t.kind, t.ref_id) for t in threads] == [("employee", 1)]
    page = await list_thread_messages(db, base, threads[0].id, None, 50)
    assert [m.id for m in page.items] == [both.id]
    with pytest.raises(Forbidden):
        await list_thread_messages(db, base, await _thread(db, "employee", 2), None, 50)
    assert [d.employee_id for d in (await get_message(db, base, both.id)).deliveries or []] == [1]
    with pytest.raises(NotFound):
        await get_message(db, base, other.id)


async def test_another_accounts_ids_are_not_found(db: Database, admin: Actor) -> None:
    async with db.write() as session:
        account = await create_account(session, "Другая компания", "5000")
        other_admin = await create_user(session, account.id, "b-admin", PASSWORD, "Administrator")
    _, other = await open_session(db, "b-admin", PASSWORD)
    group = await create_group(db, other, GroupCreate(name="Чужие"))
    message = await send_message(db, other, send("Чужое", numbers=["+79990001122"]))
    with pytest.raises(InvalidInput) as refused:
        await apply_permissions(
            db, admin, (await fitters_operator(db, admin)).user_id, PermissionsUpdate(groups=[group.id])
        )
    assert refused.value.extra == {"groups": [group.id]}
    with pytest.raises(NotFound):
        await apply_permissions(db, admin, other_admin.id, PermissionsUpdate(all=True))
    with pytest.raises(NotFound):
        await get_message(db, admin, message.id)
    with pytest.raises(NotFound):
        await list_thread_messages(db, admin, await _thread(db, "contact"), None, 50)
    assert all(e.name != "Чужие" for e in await list_groups(db, admin))


# --- REST end to end ---------------------------------------------------------------------------


async def test_rest_send_with_a_restricted_operators_session_is_403_and_sends_nothing(
    server: LiveServer, client: httpx.AsyncClient, server_db: Database
) -> None:
    groups = {g["name"]: g["id"] for g in (await client.get(f"{API}/groups")).json()["items"]}
    created = await client.post(f"{API}/users", json={"login": "op", "password": PASSWORD, "role": "Operator"})
    assert created.status_code == 201, created.text
    permits = {"all": False, "groups": [groups[FITTERS]], "employees": [], "tags": []}
    assert (await client.put(f"{API}/users/{created.json()['id']}/permissions", json=permits)).status_code == 200
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as operator:
        me = await http_login(operator, "op", PASSWORD)
        assert me["role"] == "Operator" and me["may_send_all"] is False
        before = await stored(server_db)
        body = {"text": "Дежурным", "recipients": {"groups": [groups[ENGINEERS]]}}
        refused = await operator.post(f"{API}/messages", json=body)
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden_recipients"
        assert {f["employee_id"] for f in refused.json()["extra"]["forbidden"]} == ENGINEER_IDS
        assert await stored(server_db) == before
        allowed = await operator.post(
            f"{API}/messages", json={"text": "Монтажникам", "recipients": {"groups": [groups[FITTERS]]}}
        )
        assert allowed.status_code == 201, allowed.text
        listed = (await operator.get(f"{API}/groups")).json()["items"]
        assert [g["name"] for g in listed] == [FITTERS]
        assert {e["id"] for e in (await operator.get(f"{API}/employees")).json()["items"]} == FITTER_IDS
        threads = (await operator.get(f"{API}/threads")).json()["items"]
        assert {t["kind"] for t in threads} == {"group", "employee"} and all(t["title"] != ENGINEERS for t in threads)
